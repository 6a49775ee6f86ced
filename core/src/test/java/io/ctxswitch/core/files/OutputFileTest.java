package io.ctxswitch.core.files;

import static io.ctxswitch.core.testing.UsersFiles.USERS;
import static io.ctxswitch.core.testing.UsersFiles.names;
import static io.ctxswitch.core.testing.UsersFiles.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctxswitch.core.testing.UsersFiles.PlantedLink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way an output path can be wrong is refused before tracing, in one line; every way writing
 * can fail leaves the user's bytes as they were and no half-written file under the final name.
 * Run as root, as ctxswitch is: permission bits do not stop root, an immutable directory does.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OutputFileTest {
    private static final byte[] NEW = "a new recording\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private static String refusal(Path path, boolean replace) {
        try {
            OutputFile.check(path, replace);
        } catch (OutputFile.Refused e) {
            assertThat(e.getMessage()).doesNotContain("\n");
            return e.getMessage();
        }
        throw new AssertionError(path + " was accepted");
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    private static void assumeRoot() throws Exception {
        Assumptions.assumeTrue("0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip()),
                "needs root");
    }

    @Test
    void aMissingDirectoryIsRefused() {
        assertThat(refusal(dir.resolve("no/such/dir/x"), true)).isEqualTo("directory " + dir.resolve("no/such/dir") + " does not exist");
        assertThat(dir.resolve("no")).doesNotExist();
    }

    @Test
    void aFileInPlaceOfTheDirectoryIsRefused() throws Exception {
        Files.write(dir.resolve("notes.txt"), USERS);
        assertThat(refusal(dir.resolve("notes.txt/x"), true)).isEqualTo(dir.resolve("notes.txt") + " is not a directory");
        assertThat(Files.readAllBytes(dir.resolve("notes.txt"))).isEqualTo(USERS);
    }

    /** The temporary file's name is longer than the file's: a name that leaves no room for it is refused at once. */
    @Test
    void aNameTooLongForItsTemporaryFileIsRefused() {
        String name = "x".repeat(250);
        assertThat(refusal(dir.resolve(name), false)).isEqualTo("cannot create a file in " + dir + ": File name too long");
    }

    @Test
    void anExistingFileIsRefusedWithoutReplaceAndItsBytesAreKept() throws Exception {
        Path notes = dir.resolve("notes.txt");
        Files.write(notes, USERS);
        String before = sha256(notes);
        assertThat(refusal(notes, false)).isEqualTo("already exists (add --force to replace it)");
        assertThat(sha256(notes)).isEqualTo(before);
        assertThat(names(dir)).containsExactly("notes.txt");
    }

    /** Replaced by rename: the old file's bytes are never rewritten (a hard link to it still has them). */
    @Test
    void anExistingFileIsReplacedInOneStepWithReplace() throws Exception {
        Path notes = dir.resolve("notes.txt");
        Files.write(notes, USERS);
        Path oldInode = Files.createLink(dir.resolve("old-inode"), notes);
        OutputFile out = OutputFile.check(notes, true);
        out.write(o -> {
            assertThat(Files.readAllBytes(notes)).as("the old file, whole, until the new one is complete").isEqualTo(USERS);
            o.write(NEW);
        });
        assertThat(Files.readAllBytes(notes)).isEqualTo(NEW);
        assertThat(Files.readAllBytes(oldInode)).isEqualTo(USERS);
        assertThat(names(dir)).containsExactly("notes.txt", "old-inode");
    }

    @Test
    void directoriesDevicesAndFifosAreNeverReplaced() throws Exception {
        Files.createDirectory(dir.resolve("sub"));
        assertThat(refusal(dir.resolve("sub"), true)).isEqualTo("is a directory, not a file");
        assertThat(refusal(Path.of("/"), true)).isEqualTo("is a directory, not a file");
        assertThat(refusal(Path.of("/dev/null"), true)).isEqualTo("exists and is not a regular file");
        assertThat(run("mkfifo", dir.resolve("fifo").toString())).isZero();
        assertThat(refusal(dir.resolve("fifo"), true)).isEqualTo("exists and is not a regular file");
    }

    /** An immutable directory stops root too (permission bits do not): the check finds out by trying. */
    @Test
    void anUnwritableDirectoryIsRefused() throws Exception {
        assumeRoot();
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Assumptions.assumeTrue(run("chattr", "+i", locked.toString()) == 0, "chattr +i is not supported here");
        try {
            assertThat(refusal(locked.resolve("x"), false)).isEqualTo("cannot create a file in " + locked + ": Operation not permitted");
            assertThat(names(locked)).isEmpty();
        } finally {
            run("chattr", "-i", locked.toString());
        }
    }

    /**
     * A link planted in a world-writable directory (here one like /tmp: 1777), pointing at a file
     * root must not overwrite: refused without replace; with replace the link is replaced, never
     * written through.
     */
    @Test
    void aPlantedSymbolicLinkIsNeverWrittenThrough() throws Exception {
        PlantedLink planted = PlantedLink.in(dir, "recording");

        assertThat(refusal(planted.link(), false)).isEqualTo("already exists (add --force to replace it)");
        OutputFile.check(planted.link(), true).write(o -> o.write(NEW));

        assertThat(sha256(planted.victim())).isEqualTo(planted.victimHash());
        assertThat(Files.isSymbolicLink(planted.link())).isFalse();
        assertThat(Files.readAllBytes(planted.link())).isEqualTo(NEW);
        assertThat(names(planted.link().getParent())).containsExactly("recording");
    }

    /** A link planted after the check, during the run: not replaced without replace, never followed. */
    @Test
    void aSymbolicLinkPlantedDuringTheRunIsNeverWrittenThrough() throws Exception {
        Path victim = dir.resolve("passwd");
        Files.write(victim, USERS);
        String before = sha256(victim);
        Path target = dir.resolve("recording");
        OutputFile checked = OutputFile.check(target, false);
        Files.createSymbolicLink(target, victim);

        assertThatThrownBy(() -> checked.write(o -> o.write(NEW))).isInstanceOf(IOException.class)
                .hasMessage("a file of that name appeared during the run and was not replaced (add --force to replace it)");
        assertThat(sha256(victim)).isEqualTo(before);
        assertThat(Files.readSymbolicLink(target)).isEqualTo(victim);
        assertThat(names(dir)).containsExactly("passwd", "recording");

        OutputFile replacing = OutputFile.check(dir.resolve("other"), true);
        Files.createSymbolicLink(dir.resolve("other"), victim);
        replacing.write(o -> o.write(NEW));
        assertThat(sha256(victim)).isEqualTo(before);
        assertThat(Files.readAllBytes(dir.resolve("other"))).isEqualTo(NEW);
        assertThat(Files.isSymbolicLink(dir.resolve("other"))).isFalse();
    }

    /** The temporary file is created new, never opened through what someone put there. */
    @Test
    void theTemporaryFileIsPrivateAndBesideTheTarget() throws Exception {
        Path target = dir.resolve("recording");
        OutputFile.check(target, false).write(o -> {
            List<String> during = names(dir);
            assertThat(during).hasSize(1);
            assertThat(during.get(0)).startsWith(".recording.").endsWith(".part");
            Path temporary = dir.resolve(during.get(0));
            assertThat(Files.isSymbolicLink(temporary)).isFalse();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(temporary, LinkOption.NOFOLLOW_LINKS)))
                    .isEqualTo("rw-------");
            assertThat(target).doesNotExist();
            o.write(NEW);
        });
        assertThat(names(dir)).containsExactly("recording");
    }

    /** Content that fails half-way: nothing under the final name, the old file whole, no temporary left. */
    @Test
    void aWriteThatFailsHalfWayLeavesTheOldFileWhole() throws Exception {
        Path notes = dir.resolve("notes.txt");
        Files.write(notes, USERS);
        String before = sha256(notes);
        OutputFile out = OutputFile.check(notes, true);
        assertThatThrownBy(() -> out.write(o -> {
            o.write(NEW, 0, 4);
            throw new IOException("the source broke");
        })).isInstanceOf(IOException.class).hasMessage("the source broke");
        assertThat(sha256(notes)).isEqualTo(before);
        assertThat(names(dir)).containsExactly("notes.txt");

        Path fresh = dir.resolve("fresh");
        assertThatThrownBy(() -> OutputFile.check(fresh, false).write(o -> {
            o.write(NEW, 0, 4);
            throw new IOException("the source broke");
        })).isInstanceOf(IOException.class);
        assertThat(fresh).doesNotExist();
        assertThat(names(dir)).containsExactly("notes.txt");
    }

    @Test
    void aDirectoryRemovedDuringTheRunIsSaidAsSuch() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path source = dir.resolve("source");
        Files.write(source, NEW);
        OutputFile out = OutputFile.check(sub.resolve("recording"), false);
        Files.delete(sub);
        assertThatThrownBy(() -> out.copyFrom(source)).isInstanceOf(IOException.class)
                .hasMessage("its directory " + sub + " no longer exists");
        assertThat(Files.readAllBytes(source)).isEqualTo(NEW);
        assertThat(out.notKept("the recording", "its directory " + sub + " no longer exists", source))
                .isEqualTo("the recording could not be kept as " + sub.resolve("recording") + ": its directory " + sub
                        + " no longer exists; it is still at " + source + ", to move by hand");
    }

    /**
     * A full file system (a 64 KiB tmpfs, filled up after the check, as a long trace would find
     * it): the copy fails with the system's reason, the file it would have replaced keeps its
     * bytes, no temporary file is left, and the source is untouched.
     */
    @Test
    void aFullFileSystemLeavesEverythingAsItWas() throws Exception {
        assumeRoot();
        Path small = Files.createDirectory(dir.resolve("small"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=64k", "ctxswitch-test", small.toString()) == 0,
                "cannot mount a tmpfs here");
        try {
            Path notes = small.resolve("notes.txt");
            Files.write(notes, USERS);
            String before = sha256(notes);
            Path source = dir.resolve("source");
            Files.write(source, new byte[256 * 1024]);
            OutputFile out = OutputFile.check(notes, true);
            run("dd", "if=/dev/zero", "of=" + small.resolve("filler"), "bs=4k");
            assertThat(Files.getFileStore(small).getUsableSpace()).as("the file system is full").isZero();

            assertThatThrownBy(() -> out.copyFrom(source)).isInstanceOf(IOException.class).hasMessage("No space left on device");
            assertThat(sha256(notes)).isEqualTo(before);
            assertThat(names(small)).containsExactly("filler", "notes.txt");
            assertThat(Files.size(source)).isEqualTo(256 * 1024);
        } finally {
            run("umount", small.toString());
        }
    }
}
