package io.ctxswitch.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import io.ctxswitch.core.stats.LatencyStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TraceSessionTest {

    /** A source that measures `perDrain` samples of growing latency between drains. */
    private static final class CountingSource implements LatencySource {
        final int perDrain;
        final AtomicInteger drains = new AtomicInteger();
        boolean started;
        boolean stopped;
        boolean closed;
        boolean failStart;
        /** start() waits this long for a cancelStart(), then starts (0: starts at once). */
        long slowStartMs;
        final java.util.concurrent.CountDownLatch cancelled = new java.util.concurrent.CountDownLatch(1);
        Runnable duringStart = () -> { };
        int finishAfterDrains = Integer.MAX_VALUE;
        Runnable onFinished = () -> { };
        long next = 100;

        CountingSource(int perDrain) {
            this.perDrain = perDrain;
        }

        @Override public String name() { return "counting"; }
        @Override public Availability availability(TraceOptions o) { return Availability.ok("always"); }
        @Override public String probeDescription() { return "fake"; }
        @Override public long progress() { return -1; }
        @Override public void onFinished(Runnable callback) { onFinished = callback; }
        @Override public boolean finished() { return drains.get() >= finishAfterDrains; }

        @Override
        public void start(TraceOptions options) throws SourceException {
            if (failStart) {
                throw SourceException.environment("cannot start");
            }
            duringStart.run();
            try {
                if (slowStartMs > 0 && cancelled.await(slowStartMs, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    throw SourceException.cancelled("stopped while starting");
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            started = true;
        }

        @Override
        public void cancelStart() {
            cancelled.countDown();
        }

        @Override
        public LatencyStats drain() {
            LatencyStats part = new LatencyStats();
            for (int i = 0; i < perDrain; i++) {
                part.record(i % 2, next++, 1, 1, "t");
            }
            if (drains.incrementAndGet() >= finishAfterDrains) {
                onFinished.run();
            }
            return part;
        }

        @Override public void stop() { stopped = true; }
        @Override public void close() { closed = true; }
    }

    @Test
    void intervalsAddUpToTheTotalAndTheSourceIsClosed() throws Exception {
        CountingSource source = new CountingSource(10);
        List<LatencyStats> intervals = new ArrayList<>();
        TraceSession.Result result = new TraceSession().run(source, TraceOptions.defaults(), Duration.ofMillis(350),
                Duration.ofMillis(100), null, new TraceSession.Listener() {
                    @Override
                    public void interval(LatencyStats part, long intervalNs) {
                        intervals.add(part);
                    }
                });
        long sum = intervals.stream().mapToLong(p -> p.total().count()).sum();
        assertThat(intervals.size()).isBetween(3, 5);
        assertThat(sum).isEqualTo(result.total().total().count());
        assertThat(result.total().total().count()).isEqualTo(10L * source.drains.get());
        assertThat(result.durationNs()).isBetween(Duration.ofMillis(340).toNanos(), Duration.ofSeconds(5).toNanos());
        assertThat(source.stopped).isTrue();
        assertThat(source.closed).isTrue();
    }

    @Test
    void aStopRequestEndsTheSessionWithWhatWasMeasured() throws Exception {
        CountingSource source = new CountingSource(5);
        TraceSession session = new TraceSession();
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(150);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            session.requestStop();
        });
        stopper.start();
        long t0 = System.nanoTime();
        TraceSession.Result result = session.run(source, TraceOptions.defaults(), null, null, null, new TraceSession.Listener() { });
        assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(5).toNanos());
        assertThat(result.total().total().count()).isEqualTo(5L * source.drains.get()).isPositive();
        assertThat(source.closed).isTrue();
    }

    @Test
    void aFinishedSourceEndsTheSessionWithoutWaitingForTheDuration() throws Exception {
        CountingSource source = new CountingSource(3);
        source.finishAfterDrains = 1;
        long t0 = System.nanoTime();
        new TraceSession().run(source, TraceOptions.defaults(), Duration.ofHours(1), Duration.ofMillis(20), null,
                new TraceSession.Listener() { });
        assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(5).toNanos());
    }

    @Test
    void aSourceThatFailsToStartIsClosedAndTheErrorPassesThrough() {
        CountingSource source = new CountingSource(1);
        source.failStart = true;
        assertThatThrownBy(() -> new TraceSession().run(source, TraceOptions.defaults(), Duration.ofSeconds(1), null,
                null, new TraceSession.Listener() { }))
                .isInstanceOf(SourceException.class).hasMessage("cannot start");
        assertThat(source.closed).isTrue();
    }

    @Test
    void aStopWhileStartingCancelsTheStartAndNothingIsMeasured() throws Exception {
        CountingSource source = new CountingSource(5);
        source.slowStartMs = 60_000;
        TraceSession session = new TraceSession();
        source.duringStart = session::requestStop; // the signal comes while start() runs
        long t0 = System.nanoTime();
        TraceSession.Result result = session.run(source, TraceOptions.defaults(), null, null, null, new TraceSession.Listener() { });
        assertThat(System.nanoTime() - t0).as("not the slow start's minute").isLessThan(Duration.ofSeconds(5).toNanos());
        assertThat(result.began()).isFalse();
        assertThat(result.total().total().count()).isZero();
        assertThat(source.started).isFalse();
        assertThat(source.closed).isTrue();
    }

    @Test
    void aStopBeforeStartingMeansTheSourceIsNeverStarted() throws Exception {
        CountingSource source = new CountingSource(5);
        TraceSession session = new TraceSession();
        session.requestStop();
        TraceSession.Result result = session.run(source, TraceOptions.defaults(), null, null, null, new TraceSession.Listener() { });
        assertThat(result.began()).isFalse();
        assertThat(source.started).isFalse();
        assertThat(source.closed).isTrue();
    }

    @Test
    void aSourceThatEndsWhileStartingIsNotCancelledSoItCanSayWhy() throws Exception {
        CountingSource source = new CountingSource(1);
        source.slowStartMs = 200;
        source.duringStart = () -> source.onFinished.run(); // its child ended: start() must report why itself
        TraceSession.Result result = new TraceSession().run(source, TraceOptions.defaults(), null, null, null,
                new TraceSession.Listener() { });
        assertThat(source.cancelled.getCount()).as("cancelStart was not called").isOne();
        assertThat(result.began()).isTrue();
    }
}
