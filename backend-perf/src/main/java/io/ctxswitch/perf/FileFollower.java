package io.ctxswitch.perf;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Follows the file perf record writes its stream into, as it grows, into perf script's input, on a
 * thread of its own: like {@code tail -f}, until the writer has exited and the end is reached, then
 * closes perf script's input. perf record writes into the file, never into a pipe to perf script, so
 * a perf script that falls behind (a burst of switches) delays the figures but never blocks perf
 * record, whose ring buffers would then overflow and lose events; and the file is the recording
 * {@code --record} keeps, as it was before perf's output was read while it ran.
 */
final class FileFollower {
    private static final int CHUNK = 1 << 16;
    /** At the end of what was written so far: how long to wait before looking again. */
    static final Duration POLL = Duration.ofMillis(20);

    private final Path file;
    private final OutputStream to;
    private final BooleanSupplier writerAlive;
    private final Thread thread;
    private volatile IOException failure;
    private volatile long copied;

    FileFollower(Path file, OutputStream to, BooleanSupplier writerAlive) {
        this.file = file;
        this.to = to;
        this.writerAlive = writerAlive;
        this.thread = new Thread(this::follow, "ctxswitch-perf-follow");
        thread.setDaemon(true);
        thread.start();
    }

    private void follow() {
        byte[] chunk = new byte[CHUNK];
        try (InputStream in = Files.newInputStream(file); to) {
            while (true) {
                boolean wasAlive = writerAlive.getAsBoolean(); // before the read: whatever it wrote before exiting is read below
                int n = in.read(chunk);
                if (n > 0) {
                    to.write(chunk, 0, n);
                    to.flush();
                    copied += n;
                } else if (!wasAlive) {
                    return; // the writer has exited and everything it wrote has been copied
                } else {
                    Thread.sleep(POLL.toMillis());
                }
            }
        } catch (IOException e) {
            failure = e; // perf script stopped reading (it died: its exit says so), or the file went
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits at most {@code limit} for the end of the copy; true if it ended. */
    boolean await(Duration limit) throws InterruptedException {
        thread.join(Math.max(1, limit.toMillis()));
        return !thread.isAlive();
    }

    /** Why the copy ended early, or null. */
    IOException failure() {
        return failure;
    }

    /** Bytes copied so far. */
    long copied() {
        return copied;
    }
}
