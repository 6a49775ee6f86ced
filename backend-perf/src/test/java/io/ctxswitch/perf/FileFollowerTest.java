package io.ctxswitch.perf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Following a file that a writer is still writing: everything it wrote, in order, and the end only once it has exited. */
@Timeout(30)
class FileFollowerTest {
    @TempDir
    Path dir;

    /** perf script's input: what reached it, and whether it was closed (the end of its input). */
    private static final class Input extends OutputStream {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        volatile boolean closed;

        @Override
        public synchronized void write(int b) {
            got.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            got.write(b, off, len);
        }

        synchronized int size() {
            return got.size();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void copiesWhatIsAppendedWhileTheWriterRunsAndEndsOnlyAfterItExited() throws Exception {
        Path file = dir.resolve("perf.data");
        Files.write(file, new byte[] {'a'});
        AtomicBoolean alive = new AtomicBoolean(true);
        Input input = new Input();
        FileFollower follower = new FileFollower(file, input, alive::get);
        awaitSize(input, 1);
        assertThat(input.closed).as("the end of the file so far is not the end").isFalse();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write('a');
        for (int i = 0; i < 200; i++) { // appended in pieces, some larger than the follower's chunk
            byte[] piece = new byte[i % 10 == 0 ? 100_000 : 37];
            java.util.Arrays.fill(piece, (byte) ('b' + i % 20));
            Files.write(file, piece, StandardOpenOption.APPEND);
            all.write(piece);
        }
        awaitSize(input, all.size());
        assertThat(follower.await(FileFollower.POLL.multipliedBy(5))).as("still following while the writer runs").isFalse();
        Files.write(file, new byte[] {'z'}, StandardOpenOption.APPEND); // its last words, then it exits
        all.write('z');
        alive.set(false);
        assertThat(follower.await(Duration.ofSeconds(10))).isTrue();
        assertThat(input.got.toByteArray()).isEqualTo(all.toByteArray());
        assertThat(input.closed).isTrue();
        assertThat(follower.copied()).isEqualTo(all.size());
        assertThat(follower.failure()).isNull();
    }

    @Test
    void aReaderThatStopsReadingEndsTheCopyWithTheReason() throws Exception {
        Path file = dir.resolve("perf.data");
        Files.write(file, new byte[1000]);
        OutputStream gone = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        FileFollower follower = new FileFollower(file, gone, () -> true);
        assertThat(follower.await(Duration.ofSeconds(10))).isTrue();
        assertThat(follower.failure()).hasMessage("Broken pipe");
    }

    private static void awaitSize(Input input, int size) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (input.size() < size && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(input.size()).isEqualTo(size);
    }
}
