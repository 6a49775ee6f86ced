package io.ctxswitch.core.model;

/**
 * Converts the kernel's monotonic clock ({@code CLOCK_MONOTONIC}, what {@code bpf_ktime_get_ns()} and
 * {@code perf record -k CLOCK_MONOTONIC} give) to wall-clock time, by the offset between the two clocks
 * read together once. A later change of the wall clock (NTP stepping it) is not followed: the times of
 * one run stay in the order they happened.
 */
public final class WallClock {
    private final long offsetNs;

    /** @param monotonicNowNs CLOCK_MONOTONIC and {@code epochNowNs} CLOCK_REALTIME, read one after the other */
    public WallClock(long monotonicNowNs, long epochNowNs) {
        this.offsetNs = epochNowNs - monotonicNowNs;
    }

    /**
     * From the JVM's clocks: on Linux, HotSpot's {@link System#nanoTime} reads CLOCK_MONOTONIC (for a source
     * that has no clock_gettime of its own at hand).
     */
    public static WallClock fromJvm() {
        long mono = System.nanoTime();
        java.time.Instant now = java.time.Instant.now();
        return new WallClock(mono, now.getEpochSecond() * 1_000_000_000L + now.getNano());
    }

    /** Nanoseconds since the epoch of a CLOCK_MONOTONIC reading. */
    public long epochNs(long monotonicNs) {
        return monotonicNs + offsetNs;
    }
}
