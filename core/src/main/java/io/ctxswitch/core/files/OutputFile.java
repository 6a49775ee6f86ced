package io.ctxswitch.core.files;

import io.ctxswitch.core.run.AbruptExit;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A file the user asked ctxswitch to write ({@code --record}, and any later output such as a heat
 * map). Checked before tracing starts, so that a path that cannot work is refused at once rather
 * than after a long trace; written at the end to a temporary file beside it, synced, then renamed
 * into place, so that a half-written file never carries the final name and an existing file is
 * replaced (with {@code --force}) in one step, never rewritten in place.
 *
 * <p>Nothing is ever opened through a name someone else could have planted: the temporary file is
 * created new (O_CREAT|O_EXCL, random name, mode 0600, like perf's perf.data) and rename(2) replaces
 * a symbolic link at the final name rather than following it, so a link planted in /tmp cannot
 * make root overwrite the file it points at.
 */
public final class OutputFile {
    /** A path refused before tracing: {@link #getMessage} is one line saying why. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    /** What is written into the temporary file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private final Path path;
    private final boolean replace;
    /** The final file's permissions, or null for the temporary file's own 0600. */
    private final java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions;
    /** Set once a write of ours has the name: rewriting our own file (a heat map refreshed) replaces it. */
    private volatile boolean written;

    private OutputFile(Path path, boolean replace, java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions) {
        this.path = path;
        this.replace = replace;
        this.permissions = permissions;
    }

    /** The same file, readable by all once written (rw-r--r--): a picture to look at, not a secret like a trace. */
    public OutputFile readableByAll() {
        return new OutputFile(path, replace, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }

    /**
     * Checks that {@code path} can be written: its directory exists and a file can be created in
     * it, and nothing is there yet unless {@code replace} (then it must be a file or a symbolic
     * link, which is replaced, not written through; never a directory, device or FIFO).
     */
    public static OutputFile check(Path path, boolean replace) throws Refused {
        Path target = path.toAbsolutePath(); // not normalized: "a/../b" is the kernel's to resolve, through links
        Path dir = target.getParent();
        if (dir == null || target.getFileName() == null) {
            throw new Refused("is a directory, not a file");
        }
        if (!Files.isDirectory(dir)) {
            throw new Refused(whyNotADirectory(dir));
        }
        BasicFileAttributes existing = attributes(target);
        if (existing != null) {
            if (!existing.isRegularFile() && !existing.isSymbolicLink()) {
                throw new Refused(existing.isDirectory() ? "is a directory, not a file" : "exists and is not a regular file");
            }
            if (!replace) {
                throw new Refused("already exists (add --force to replace it)");
            }
        }
        // Trying is the only true answer: permission bits, ACLs, read-only mounts, immutable
        // directories (which stop root too) all say no here, and nothing else sees all of them.
        try {
            Files.delete(temporaryBeside(target));
        } catch (IOException e) {
            throw new Refused("cannot create a file in " + dir + ": " + describe(e));
        }
        return new OutputFile(target, replace, null);
    }

    /** A new file beside {@code target}, named after it (so that a name too long fails at the check too). */
    private static Path temporaryBeside(Path target) throws IOException {
        return Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".part");
    }

    private static String whyNotADirectory(Path dir) {
        try {
            Files.readAttributes(dir, BasicFileAttributes.class);
            return dir + " is not a directory";
        } catch (NoSuchFileException e) {
            return "directory " + dir + " does not exist";
        } catch (IOException e) { // a directory on the way that we may not enter, say
            return "cannot reach directory " + dir + ": " + describe(e);
        }
    }

    private static BasicFileAttributes attributes(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }

    public Path path() {
        return path;
    }

    /** Copies {@code source} into this file ({@link #write}); {@code source} is left as it is. */
    public void copyFrom(Path source) throws IOException {
        write(out -> Files.copy(source, out));
    }

    /**
     * Writes {@code content} to a new temporary file beside this one, syncs it, and renames it to
     * this name. On failure the temporary file is removed and whatever had this name is untouched;
     * the exception's message is {@link #reason} of what failed. A file that appeared at this name
     * during the run is replaced only if the check allowed replacing; once this file has been written,
     * writing it again replaces it (a file refreshed during the run).
     */
    public void write(Content content) throws IOException {
        Path temporary;
        try {
            temporary = temporaryBeside(path);
        } catch (IOException e) {
            throw new IOException(reason(e), e);
        }
        Runnable removal = () -> temporary.toFile().delete(); // also at a second Ctrl+C, which skips the finally
        AbruptExit.register(removal);
        boolean renamed = false;
        try {
            if (permissions != null) {
                Files.setPosixFilePermissions(temporary, permissions);
            }
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                content.writeTo(Channels.newOutputStream(channel));
                channel.force(true); // the data is on disk before the name points at it
            }
            if (replace || written) {
                Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE); // rename(2): replaces a link, never follows it
            } else {
                Files.move(temporary, path); // refuses if anything, a symbolic link included, has the name by now
            }
            renamed = true;
            written = true;
        } catch (IOException e) {
            throw new IOException(reason(e), e);
        } finally {
            if (!renamed) {
                removal.run();
            }
            AbruptExit.unregister(removal);
        }
    }

    /**
     * One line for a user: {@code what} could not be kept here, why ({@code reason}: the message of
     * {@link #write}'s exception, say), and where it still is, to be moved by hand.
     */
    public String notKept(String what, String reason, Path stillAt) {
        return what + " could not be kept as " + path + ": " + reason + "; it is still at " + stillAt + ", to move by hand";
    }

    /** Why writing this file failed, in words: a vanished directory said as such. */
    private String reason(IOException e) {
        if (e instanceof NoSuchFileException && !Files.isDirectory(path.getParent())) {
            return "its directory " + path.getParent() + " no longer exists";
        }
        return describe(e);
    }

    /**
     * A failure in words, for one line of a message: the system's reason ("No space left on
     * device"), not the bare path Java gives for some (a missing file, a denied access).
     */
    public static String describe(IOException e) {
        if (e instanceof FileAlreadyExistsException) {
            return "a file of that name appeared during the run and was not replaced (add --force to replace it)";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
