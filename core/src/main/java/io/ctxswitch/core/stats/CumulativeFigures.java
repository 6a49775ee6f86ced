package io.ctxswitch.core.stats;

import java.util.List;

/**
 * Everything a source measured since it started, read at one moment, for an exporter: per CPU the
 * exact count and sum, and the samples per bucket of {@link LogLinearBuckets}, which hold every
 * sample exactly once (a bucket is approximate in value, never in count); and the counters of what
 * was not a sample. Cumulative: a later reading of the same source never has less in any field.
 *
 * @param cpus one entry per CPU that the source covers, in CPU order
 */
public record CumulativeFigures(List<Cpu> cpus, long unpaired, long noSwitch, long lost) {

    /**
     * One CPU's samples; or, from a source that keeps one histogram for all CPUs (bpftrace), all CPUs'
     * samples in one entry, {@link #ALL_CPUS}, the only one then (such a source does not declare
     * {@link io.ctxswitch.core.spi.Feature#SERVE_PER_CPU}).
     *
     * @param buckets samples per {@link LogLinearBuckets} bucket, {@link LogLinearBuckets#COUNT} long;
     *                they add up to {@code count}
     */
    public record Cpu(int cpu, long count, long sumNs, long[] buckets) {
        /** The {@code cpu} of an entry that holds every CPU's samples. */
        public static final int ALL_CPUS = -1;
    }

    /** Nothing measured (a source that has not started, or was closed). */
    public static CumulativeFigures empty() {
        return new CumulativeFigures(List.of(), 0, 0, 0);
    }
}
