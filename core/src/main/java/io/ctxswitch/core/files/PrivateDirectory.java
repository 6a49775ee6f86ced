package io.ctxswitch.core.files;

import io.ctxswitch.core.run.AbruptExit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A temporary directory only its owner can enter (0700), removed with everything in it on close,
 * or when ctxswitch halts at a second Ctrl+C ({@link AbruptExit}); unless {@link #retain retained}
 * because it holds the only copy of something the user asked to keep.
 */
public final class PrivateDirectory implements AutoCloseable {
    private final Path path;
    private final Runnable removal = this::remove;
    private boolean retained;

    public PrivateDirectory() throws IOException {
        path = Files.createTempDirectory("ctxswitch-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        AbruptExit.register(removal);
    }

    public Path path() {
        return path;
    }

    public Path resolve(String name) {
        return path.resolve(name);
    }

    /**
     * Leaves the directory in place from now on: a recording that could not be copied where the
     * user asked stays here, and the error names it so that the user can move it by hand.
     */
    public void retain() {
        retained = true;
        AbruptExit.unregister(removal);
    }

    @Override
    public void close() {
        AbruptExit.unregister(removal);
        if (!retained) {
            remove();
        }
    }

    private void remove() {
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // already gone
        }
    }
}
