package io.ctxswitch.perf;

import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.OptionalLong;

/**
 * Replays perf script text from a stream on a thread of its own, then reports itself finished. The
 * figures come in one piece at the end (a trace has no wall-clock intervals); a stop request (Ctrl+C)
 * ends the reading early with the figures read so far.
 */
final class ScriptReplaySource implements LatencySource {

    /** Where the text comes from: a file, stdin, or a perf script child; closed when the source is. */
    interface Input extends AutoCloseable {
        InputStream open() throws IOException;

        /** Called once the text has been read to its end: a child's exit status becomes an error here. */
        default void finished() throws SourceException {
        }

        @Override
        default void close() {
        }
    }

    private static final long STOP_WAIT_MS = 500;

    private final Input input;
    private final String name;
    private final String probe;
    private final LatencyStats stats = new LatencyStats();
    private volatile boolean stopRequested;
    private volatile boolean done;
    private Thread reader;
    private Runnable onFinished = () -> { };
    private PerfScriptReader.Outcome outcome;
    private Exception failure;
    private boolean drained;

    ScriptReplaySource(Input input, String name, String probe) {
        this.input = input;
        this.name = name;
        this.probe = probe;
    }

    @Override
    public String name() {
        return PerfSource.NAME;
    }

    @Override
    public Availability availability(TraceOptions options) {
        return Availability.ok("replay of " + name);
    }

    @Override
    public void onFinished(Runnable callback) {
        onFinished = callback;
    }

    @Override
    public void start(TraceOptions options) {
        reader = new Thread(this::read, "ctxswitch-replay");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try (InputStream in = input.open()) {
            outcome = PerfScriptReader.read(in, stats, () -> stopRequested);
            if (!outcome.stoppedEarly()) {
                input.finished();
            }
        } catch (IOException | SourceException | RuntimeException e) {
            failure = e;
        } finally {
            done = true;
            onFinished.run();
        }
    }

    @Override
    public String probeDescription() {
        return probe;
    }

    @Override
    public LatencyStats drain() throws SourceException {
        if (drained || (!done && !stopRequested)) {
            return new LatencyStats();
        }
        if (!done) { // stopped while the reader is blocked in a read: a copy, should it wake
            drained = true;
            LatencyStats copy = new LatencyStats();
            copy.add(stats);
            return copy;
        }
        drained = true;
        if (failure instanceof SourceException se) {
            throw se;
        }
        if (failure != null && !stopRequested) {
            throw SourceException.input("cannot read " + name + ": " + failure.getMessage());
        }
        if (outcome == null) { // stopped, and the read failed meanwhile: what was read before
            return stats;
        }
        TraceVerdict.requireUsable(outcome, name);
        return stats;
    }

    @Override
    public long progress() {
        return -1;
    }

    @Override
    public boolean finished() {
        return done;
    }

    @Override
    public OptionalLong coveredNs() {
        return outcome == null ? OptionalLong.empty() : OptionalLong.of(outcome.spanNs());
    }

    @Override
    public List<String> warnings() {
        if (outcome == null) {
            return stopRequested ? List.of(TraceVerdict.INTERRUPTED) : List.of();
        }
        return TraceVerdict.warnings(outcome, stats.skippedLines());
    }

    /**
     * Ends the reading early: the reader stops at its next line. One blocked in a read of a silent
     * FIFO or pipe cannot be woken (such reads are not interruptible), so it is waited for only
     * briefly; its figures so far are then taken as they are.
     */
    @Override
    public void stop() {
        if (stopRequested) {
            return;
        }
        stopRequested = true;
        if (reader != null) {
            try {
                reader.join(STOP_WAIT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
        input.close();
    }
}
