package io.ctxswitch.core.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Samples recorded one at a time into the figures an exporter reads ({@link CumulativeFigures}): per
 * CPU the exact count and sum and the samples per {@link LogLinearBuckets} bucket, and the counters
 * of what was not a sample. For a source that sees each switch in user space (perf's stream); one
 * that aggregates in the kernel reads its maps instead. Only grows. Not thread-safe: the caller
 * records and reads under one lock.
 */
public final class CumulativeCounts {
    private long[] counts = new long[0];
    private long[] sums = new long[0];
    private long[][] buckets = new long[0][];
    private long unpaired;
    private long noSwitch;
    private long lost;

    /** One sample of {@code latencyNs} on {@code cpu}. */
    public void record(int cpu, long latencyNs) {
        if (cpu < 0 || latencyNs < 0) {
            throw new IllegalArgumentException("CPU " + cpu + ", latency " + latencyNs + " ns");
        }
        if (cpu >= counts.length) {
            int n = Math.max(cpu + 1, counts.length * 2);
            counts = Arrays.copyOf(counts, n);
            sums = Arrays.copyOf(sums, n);
            buckets = Arrays.copyOf(buckets, n);
        }
        if (buckets[cpu] == null) {
            buckets[cpu] = new long[LogLinearBuckets.COUNT];
        }
        counts[cpu]++;
        sums[cpu] += latencyNs;
        buckets[cpu][LogLinearBuckets.bucketOf(latencyNs)]++;
    }

    public void addUnpaired(long n) {
        unpaired += n;
    }

    public void addNoSwitch(long n) {
        noSwitch += n;
    }

    public void addLost(long n) {
        lost += n;
    }

    /** A copy of the figures now: the CPUs that had a sample, in CPU order. */
    public CumulativeFigures figures() {
        List<CumulativeFigures.Cpu> cpus = new ArrayList<>();
        for (int cpu = 0; cpu < counts.length; cpu++) {
            if (buckets[cpu] != null) {
                cpus.add(new CumulativeFigures.Cpu(cpu, counts[cpu], sums[cpu], buckets[cpu].clone()));
            }
        }
        return new CumulativeFigures(List.copyOf(cpus), unpaired, noSwitch, lost);
    }
}
