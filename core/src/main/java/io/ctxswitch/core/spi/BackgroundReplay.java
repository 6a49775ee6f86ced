package io.ctxswitch.core.spi;

import io.ctxswitch.core.stats.LatencyStats;
import java.util.function.BooleanSupplier;

/**
 * The life of a replayed trace, whatever its format: read on a thread of its own, then finished;
 * the figures come in one piece at the end (a trace has no wall-clock intervals). A stop (Ctrl+C)
 * ends the reading early with the figures read so far. Subclasses say how to read and what the
 * figures are.
 */
public abstract class BackgroundReplay implements LatencySource {
    /**
     * How long a stop waits for the reader. One blocked in a read of a silent FIFO or pipe cannot be
     * woken (such reads are not interruptible), so its figures so far are then taken as they are.
     */
    private static final long STOP_WAIT_MS = 500;

    protected final String inputName;
    private volatile boolean stopRequested;
    private volatile boolean done;
    private volatile Exception failure;
    private volatile Runnable onFinished = () -> { };
    private Thread reader;
    private boolean drained;

    protected BackgroundReplay(String inputName) {
        this.inputName = inputName;
    }

    /** Reads the whole input on the reader thread, giving up early once {@code stop} says so. */
    protected abstract void read(BooleanSupplier stop) throws Exception;

    /**
     * The figures, asked for once, when the reading ended without failing (or was stopped; then
     * {@code done} is false if the reader is still blocked and may yet write).
     */
    protected abstract LatencyStats figures(boolean done) throws SourceException;

    /** Whether the user stopped the reading early. */
    protected final boolean stopRequested() {
        return stopRequested;
    }

    @Override
    public Availability availability(TraceOptions options) {
        return Availability.ok("replay of " + inputName);
    }

    @Override
    public final void start(TraceOptions options) {
        reader = new Thread(this::readToTheEnd, "ctxswitch-replay");
        reader.setDaemon(true);
        reader.start();
    }

    private void readToTheEnd() {
        try {
            read(() -> stopRequested);
        } catch (Exception e) {
            failure = e;
        } finally {
            done = true;
            onFinished.run();
        }
    }

    /**
     * Nothing until the reading ended or was stopped; then the figures, once. A failure is the
     * reader's own error if it says one, else "cannot read" the input, unless the user stopped it.
     */
    @Override
    public final LatencyStats drain() throws SourceException {
        if (drained || (!done && !stopRequested)) {
            return new LatencyStats();
        }
        drained = true;
        Exception f = failure;
        if (done && f instanceof SourceException se) {
            throw se;
        }
        if (done && f != null && !stopRequested) {
            throw SourceException.input("cannot read " + inputName + ": " + f.getMessage());
        }
        return figures(done);
    }

    @Override
    public long progress() {
        return -1;
    }

    @Override
    public final boolean finished() {
        return done;
    }

    @Override
    public final void onFinished(Runnable callback) {
        onFinished = callback;
        if (done) {
            callback.run();
        }
    }

    /** Ends the reading early: the reader stops at its next line, waited for only briefly. Idempotent. */
    @Override
    public final void stop() {
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
    }
}
