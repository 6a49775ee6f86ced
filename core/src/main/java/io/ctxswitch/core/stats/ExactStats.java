package io.ctxswitch.core.stats;

/**
 * Exact count, sum, min and max of latencies in nanoseconds (docs/measurement.md, "What is
 * reported"): the mean is always sum / count, never derived from histogram buckets.
 */
public final class ExactStats {
    private long count;
    private long sumNs;
    private long minNs = Long.MAX_VALUE;
    private long maxNs = Long.MIN_VALUE;

    public void record(long latencyNs) {
        count++;
        sumNs += latencyNs;
        if (latencyNs < minNs) {
            minNs = latencyNs;
        }
        if (latencyNs > maxNs) {
            maxNs = latencyNs;
        }
    }

    /** Adds an aggregate of {@code count} samples (from the kernel, or another part). */
    public void add(long count, long sumNs, long minNs, long maxNs) {
        if (count <= 0) {
            return;
        }
        this.count += count;
        this.sumNs += sumNs;
        this.minNs = Math.min(this.minNs, minNs);
        this.maxNs = Math.max(this.maxNs, maxNs);
    }

    public void add(ExactStats other) {
        add(other.count, other.sumNs, other.minNs, other.maxNs);
    }

    public boolean isEmpty() {
        return count == 0;
    }

    public long count() {
        return count;
    }

    public long sumNs() {
        return sumNs;
    }

    /** Only meaningful when not empty. */
    public long minNs() {
        return minNs;
    }

    /** Only meaningful when not empty. */
    public long maxNs() {
        return maxNs;
    }

    /** Exact mean (to double precision); NaN when empty. */
    public double meanNs() {
        return count == 0 ? Double.NaN : (double) sumNs / count;
    }
}
