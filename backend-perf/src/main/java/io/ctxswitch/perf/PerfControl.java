package io.ctxswitch.perf;

import io.ctxswitch.core.files.PrivateDirectory;
import io.ctxswitch.core.host.ChildProcess;
import io.ctxswitch.core.spi.SourceException;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * perf record's control FIFOs ({@code --control=fifo:CTL,ACK}, perf 5.9 and later): "enable" once
 * perf is ready, so that "tracing" is said only once perf records, then a "ping" every
 * {@link #PING_EVERY} while it runs. perf writes what its ring buffers hold only when one is half full
 * (256 KiB a CPU by default: seconds of a quiet machine's switches) or when something wakes it; a
 * command on its control FIFO does, so each ping brings what the CPUs recorded until then, and
 * {@code perf script}, which orders events by time, prints a round once the next one has come.
 */
final class PerfControl implements AutoCloseable {
    /** Figures reach ctxswitch within about two pings of the switch (perf script holds the newest round back). */
    static final Duration PING_EVERY = Duration.ofMillis(250);
    private static final long ACK_TIMEOUT_S = 30;
    /** mkfifo makes a file: at once, unless the file system hangs. */
    private static final Duration MKFIFO_LIMIT = Duration.ofSeconds(10);

    private final Path ctl;
    private final Path ack;
    private RandomAccessFile control;
    private InputStream answers; // read-only, once perf has acknowledged: it ends when perf does
    private final CountDownLatch closing = new CountDownLatch(1);

    private PerfControl(Path ctl, Path ack) {
        this.ctl = ctl;
        this.ack = ack;
    }

    /** The two FIFOs, made in {@code dir}. */
    static PerfControl make(PrivateDirectory dir) throws IOException, SourceException {
        return new PerfControl(fifo(dir, "control"), fifo(dir, "ack"));
    }

    /** perf record's option naming them. */
    String option() {
        return "--control=fifo:" + ctl + "," + ack;
    }

    private static Path fifo(PrivateDirectory dir, String name) throws IOException, SourceException {
        Path path = dir.resolve(name);
        try {
            ChildProcess.Outcome made = ChildProcess.command("mkfifo", "-m", "600", path.toString()).run(MKFIFO_LIMIT);
            if (!made.succeeded()) {
                throw SourceException.environment("mkfifo failed: " + (made.finished() ? PerfTool.firstLine(made.output())
                        : "it did not end within " + MKFIFO_LIMIT.toSeconds() + " s"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(SourceException.Kind.UNEXPECTED, "interrupted while starting perf");
        }
        return path;
    }

    /**
     * Sends "enable" and waits for perf's "ack": from then on the events are recorded. Gives up when
     * {@code cancelled} says so (a stop while starting), when perf exits, or after 30 s.
     */
    void enable(ChildProcess record, BooleanSupplier cancelled) throws IOException, SourceException {
        // "rw" opens a FIFO without waiting for the other end, so a perf that died cannot hang us here.
        control = new RandomAccessFile(ctl.toFile(), "rw");
        try (RandomAccessFile answer = new RandomAccessFile(ack.toFile(), "rw")) {
            control.write("enable\n".getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<String> reply = CompletableFuture.supplyAsync(() -> {
                try {
                    byte[] buf = new byte[4];
                    answer.readFully(buf);
                    return new String(buf, StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    return "";
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ACK_TIMEOUT_S);
            while (true) {
                try {
                    String r = reply.get(100, TimeUnit.MILLISECONDS);
                    if (!r.startsWith("ack")) {
                        throw failed(record, "perf record did not acknowledge");
                    }
                    // Read-only, opened while we still hold it for writing (so at once): once that handle
                    // is closed, perf is the only writer left and the reads end when perf does.
                    answers = new FileInputStream(ack.toFile());
                    return;
                } catch (TimeoutException e) {
                    if (cancelled.getAsBoolean()) {
                        throw SourceException.cancelled("stopped while perf record was starting");
                    }
                    if (!record.isAlive()) {
                        throw failed(record, "perf record failed");
                    }
                    if (System.nanoTime() > deadline) {
                        throw failed(record, "perf record did not start within " + ACK_TIMEOUT_S + " s");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SourceException(SourceException.Kind.UNEXPECTED, "interrupted while starting perf");
                } catch (ExecutionException e) {
                    throw failed(record, "perf record failed");
                }
            }
        }
    }

    /** An environment error carrying the first line perf wrote to stderr. */
    static SourceException failed(ChildProcess record, String what) {
        String err = PerfTool.firstLine(record.stderr());
        return SourceException.environment(what + (err.isEmpty() ? "" : ": " + err));
    }

    /**
     * Pings perf every {@link #PING_EVERY} on a thread of its own, each time waiting for its answer
     * (an unread answer would fill the FIFO, and perf would block writing the next), until closed or
     * until perf exits.
     */
    void startPinging() {
        Thread pinger = new Thread(this::ping, "ctxswitch-perf-ping");
        pinger.setDaemon(true); // blocked on an answer from a perf that hangs, it must not keep the JVM alive
        pinger.start();
    }

    private void ping() {
        byte[] answer = new byte[4];
        byte[] ping = "ping\n".getBytes(StandardCharsets.US_ASCII);
        try {
            while (!closing.await(PING_EVERY.toNanos(), TimeUnit.NANOSECONDS)) {
                control.write(ping);
                if (answers.readNBytes(answer, 0, answer.length) < answer.length) {
                    return; // perf exited
                }
            }
        } catch (IOException e) {
            // closed, or perf gone: nothing left to wake
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops pinging (perf is about to be stopped) and closes our ends. */
    @Override
    public void close() {
        closing.countDown();
        quietly(control);
        quietly(answers);
    }

    private static void quietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // nothing to do: it is being given up
            }
        }
    }
}
