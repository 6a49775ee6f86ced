package io.ctxswitch.core.stats;

import io.ctxswitch.core.model.SwitchKind;
import java.util.List;

/**
 * Everything a source measured since it started, read at one moment, for an exporter: per CPU the
 * exact count and sum, and the samples per bucket of {@link LogLinearBuckets}, which hold every
 * sample exactly once (a bucket is approximate in value, never in count); and the counters of what
 * was not a sample. With {@code --by=kind}, the same per CPU and kind; with {@code --by=cgroup}, per
 * series of {@link CgroupSeries}. Cumulative: a later reading of the same source never has less in any field.
 *
 * @param cpus    one entry per CPU that the source covers, in CPU order
 * @param kinds   {@code --by=kind}: one entry per CPU and kind, else empty
 * @param cgroups {@code --by=cgroup}: the cgroup series served, else null
 */
public record CumulativeFigures(List<Cpu> cpus, long unpaired, long noSwitch, long lost, List<Kind> kinds, Cgroups cgroups) {

    /** Figures without breakdown. */
    public CumulativeFigures(List<Cpu> cpus, long unpaired, long noSwitch, long lost) {
        this(cpus, unpaired, noSwitch, lost, List.of(), null);
    }

    /**
     * One CPU's samples; or, from a source that keeps one histogram for all CPUs (bpftrace), all CPUs'
     * samples in one entry, {@link #ALL_CPUS}, the only one then (such a source does not declare
     * {@link io.ctxswitch.core.spi.Feature#SERVE_PER_CPU}).
     *
     * @param buckets     samples per {@link LogLinearBuckets} bucket, {@link LogLinearBuckets#COUNT} long;
     *                    they add up to {@code count}
     * @param powersOfTwo the same samples per power of two ({@link LogLinearBuckets#powersOfTwo}), given by a reader
     *                    that made them while the buckets were in the cache
     */
    public record Cpu(int cpu, long count, long sumNs, long[] buckets, long[] powersOfTwo) {
        /** The {@code cpu} of an entry that holds every CPU's samples. */
        public static final int ALL_CPUS = -1;

        /** With the buckets' {@link LogLinearBuckets#powersOfTwo}, made now. */
        public Cpu(int cpu, long count, long sumNs, long[] buckets) {
            this(cpu, count, sumNs, buckets, LogLinearBuckets.powersOfTwo(buckets));
        }
    }

    /**
     * One CPU's samples of one kind ({@code --by=kind}); the kinds of a CPU partition its samples.
     *
     * @param buckets     samples per {@link LogLinearBuckets} bucket; they add up to {@code count}
     * @param powersOfTwo the same samples per power of two, given by a reader that made them while the buckets were in the cache
     */
    public record Kind(SwitchKind kind, int cpu, long count, long sumNs, long[] buckets, long[] powersOfTwo) {
        /** With the buckets' {@link LogLinearBuckets#powersOfTwo}, made now. */
        public Kind(SwitchKind kind, int cpu, long count, long sumNs, long[] buckets) {
            this(kind, cpu, count, sumNs, buckets, LogLinearBuckets.powersOfTwo(buckets));
        }
    }

    /**
     * One cgroup's samples ({@code --by=cgroup}) in one interval or its open part, all CPUs together: what a source
     * gives {@link CgroupSeries}.
     *
     * @param path        its cgroup v2 path ("/" for the root), or null if it was removed before its path was read
     * @param log2Buckets samples per power of two of nanoseconds: {@code log2Buckets[i]} holds [2^i, 2^(i+1)) ns
     *                    (the first also 0 ns, the last everything above); they add up to {@code count}
     */
    public record Cgroup(long id, String path, long count, long sumNs, long[] log2Buckets) {
    }

    /**
     * @param series       the series of {@link CgroupSeries#series}: each served cgroup's, then "other"
     * @param unattributed samples counted in the totals but in no cgroup: the source's bounded table had no room
     */
    public record Cgroups(List<CgroupSeries.Series> series, long unattributed) {
    }

    /** These figures with the breakdown by kind. */
    public CumulativeFigures withKinds(List<Kind> byKind) {
        return new CumulativeFigures(cpus, unpaired, noSwitch, lost, List.copyOf(byKind), cgroups);
    }

    /** These figures with the breakdown by cgroup. */
    public CumulativeFigures withCgroups(Cgroups byCgroup) {
        return new CumulativeFigures(cpus, unpaired, noSwitch, lost, kinds, byCgroup);
    }

    /** Nothing measured (a source that has not started, or was closed). */
    public static CumulativeFigures empty() {
        return new CumulativeFigures(List.of(), 0, 0, 0);
    }
}
