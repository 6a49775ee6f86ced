package io.ctxswitch.perf;

import io.ctxswitch.core.run.AbruptExit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A temporary directory only its owner can enter (0700), removed with everything in it on close,
 * or when ctxswitch halts at a second Ctrl+C ({@link AbruptExit}).
 */
final class PrivateDirectory implements AutoCloseable {
    private final Path path;
    private final Runnable removal = this::remove;

    PrivateDirectory() throws IOException {
        path = Files.createTempDirectory("ctxswitch-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        AbruptExit.register(removal);
    }

    Path path() {
        return path;
    }

    Path resolve(String name) {
        return path.resolve(name);
    }

    @Override
    public void close() {
        AbruptExit.unregister(removal);
        remove();
    }

    private void remove() {
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // already gone
        }
    }
}
