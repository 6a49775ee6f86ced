package io.ctxswitch.core.run;

import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import io.ctxswitch.core.stats.LatencyStats;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs one source from start to stop: drains it every tick (the {@code --interval}, or once a
 * second so that nothing accumulates unread), hands interval parts to a listener, and adds
 * everything up. Stops at the duration, when the source is finished, or on {@link #requestStop}
 * (Ctrl+C), always draining what remains and always closing the source.
 */
public final class TraceSession {
    /** How often a source is drained when the user asked for no interval. */
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(1);

    /** What the caller sees while the session runs. Called on the session's thread. */
    public interface Listener {
        /** Tracing has begun (the source is started and measuring). */
        default void started(LatencySource source) {
        }

        /** One {@code --interval} worth of figures. */
        default void interval(LatencyStats part, long intervalNs) {
        }

        /** Progress for a status line: time since start and switches so far. */
        default void progress(long elapsedNs, long switches) {
        }

        /** Tracing has stopped; the summary follows. */
        default void stopped() {
        }
    }

    /**
     * The whole measurement and how long it ran, from attached to detached.
     *
     * @param began false if a stop came while the source was starting: nothing was measured
     */
    public record Result(LatencyStats total, long durationNs, boolean began) {
    }

    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile LatencySource starting; // the source whose start() runs now, to cancel on a stop
    private boolean periodicDrains = true;

    /**
     * Drains only once, at the stop: for a source that keeps everything itself and is read by others
     * meanwhile (an exporter reads {@link LatencySource#cumulative} at each scrape, and nothing
     * should poll the kernel between scrapes). Not with an interval.
     */
    public TraceSession drainingOnlyAtStop() {
        periodicDrains = false;
        return this;
    }

    /** Ends the session soon, from any thread (a signal handler); a start in progress is given up. */
    public void requestStop() {
        stop.countDown();
        LatencySource s = starting;
        if (s != null) {
            s.cancelStart();
        }
    }

    /**
     * @param duration how long to trace, or null for until stopped
     * @param interval how often to report a part, or null for no interval reports
     * @param progressEvery how often to report progress, or null for never
     */
    public Result run(LatencySource source, TraceOptions options, Duration duration, Duration interval,
                      Duration progressEvery, Listener listener) throws SourceException {
        try (source) {
            source.onFinished(stop::countDown); // not requestStop: a child that ends while starting must say why
            if (!start(source, options)) {
                return new Result(new LatencyStats(), 0, false);
            }
            listener.started(source);
            long start = System.nanoTime();
            long deadline = duration == null ? Long.MAX_VALUE : start + duration.toNanos();
            long tick = (interval != null ? interval : DEFAULT_DRAIN).toNanos();
            if (!periodicDrains && interval != null) {
                throw new IllegalArgumentException("an interval needs periodic drains");
            }
            long nextTick = periodicDrains ? start + tick : Long.MAX_VALUE;
            long lastTick = start;
            long progress = progressEvery == null ? Long.MAX_VALUE : progressEvery.toNanos();
            long nextProgress = progressEvery == null ? Long.MAX_VALUE : start;
            LatencyStats total = new LatencyStats();
            while (true) {
                long now = System.nanoTime();
                if (now - deadline >= 0 || source.finished()) {
                    break;
                }
                if (now - nextProgress >= 0) {
                    listener.progress(now - start, source.progress());
                    nextProgress = now + progress;
                }
                if (now - nextTick >= 0) {
                    LatencyStats part = source.drain();
                    total.add(part);
                    if (interval != null) {
                        listener.interval(part, now - lastTick);
                    }
                    lastTick = now;
                    nextTick += tick;
                    continue;
                }
                long wake = Math.min(Math.min(nextTick, nextProgress), deadline);
                if (await(wake - now)) {
                    break;
                }
            }
            source.stop();
            long end = System.nanoTime();
            listener.stopped();
            LatencyStats rest = source.drain();
            total.add(rest);
            if (interval != null && end - lastTick > 0 && !rest.total().isEmpty()) {
                listener.interval(rest, end - lastTick); // the last, shorter interval: reports add up to the total
            }
            return new Result(total, end - start, true);
        }
    }

    /** Starts the source unless a stop came first or during; false if it did not start. */
    private boolean start(LatencySource source, TraceOptions options) throws SourceException {
        starting = source; // before looking at the latch: a stop sees it, or this sees the stop, or both
        try {
            if (stop.getCount() == 0) {
                return false;
            }
            source.start(options);
            return true;
        } catch (SourceException e) {
            if (e.kind() == SourceException.Kind.CANCELLED) {
                return false;
            }
            throw e;
        } finally {
            starting = null;
        }
    }

    private boolean await(long nanos) {
        try {
            return stop.await(Math.max(nanos, 0), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
