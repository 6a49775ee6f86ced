package io.ctxswitch.libbpf;

import com.sun.jna.Pointer;
import io.ctxswitch.core.model.SwitchKind;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LatencyStats;
import io.ctxswitch.core.stats.LogLinearBuckets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * --by=kind: reads the per-CPU figures by kind (struct cpu_kinds[cpus], memory-mapped) into one interval's
 * figures, as {@link CpuAreaReader} does for the totals: the closing epoch's exact slots of each kind, and the
 * difference of each kind's cumulative histogram to the previous read. A sample is recorded in its kind in the
 * same program run and the same epoch as in the totals, so each interval's kinds add up to its count.
 */
final class KindAreaReader {
    private final int cpus;
    private final SwitchKind[] kinds = SwitchKind.values();
    private final long[][] histPrevious = new long[KernelLayout.NKINDS][KernelLayout.NBUCKETS];
    private final long[][] histNow = new long[KernelLayout.NKINDS][KernelLayout.NBUCKETS];
    private final long[] histCpu = new long[KernelLayout.NBUCKETS];
    /** Exact figures of every interval closed so far, per CPU and kind ({@code cpu * NKINDS + kind}), for {@link #cumulative}. */
    private final CumulativeAggregates closed;

    KindAreaReader(int cpus) {
        if (kinds.length != KernelLayout.NKINDS) {
            throw new IllegalStateException("the BPF program has " + KernelLayout.NKINDS + " kinds, SwitchKind " + kinds.length);
        }
        this.cpus = cpus;
        this.closed = new CumulativeAggregates(cpus * KernelLayout.NKINDS);
    }

    /** Adds the interval {@code closing} of every CPU and kind in {@code area} to {@code part}'s kinds. */
    void read(Pointer area, long closing, LatencyStats part) {
        part.kinds().markClassified();
        long[] min = new long[kinds.length];
        long[] max = new long[kinds.length];
        Arrays.fill(min, Long.MAX_VALUE);
        Arrays.fill(max, Long.MIN_VALUE);
        for (long[] h : histNow) {
            Arrays.fill(h, 0);
        }
        for (int cpu = 0; cpu < cpus; cpu++) {
            for (int k = 0; k < kinds.length; k++) {
                long base = (long) cpu * KernelLayout.CPU_KINDS_SIZE + KernelLayout.KINDS_KIND + (long) k * KernelLayout.KIND_AGG_SIZE;
                long slot = KernelLayout.slot(base + KernelLayout.KIND_SLOTS, closing);
                if (area.getLong(slot + KernelLayout.SLOT_EPOCH) == closing) {
                    long count = area.getLong(slot + KernelLayout.SLOT_COUNT);
                    long lo = area.getLong(slot + KernelLayout.SLOT_MIN);
                    long hi = area.getLong(slot + KernelLayout.SLOT_MAX);
                    long sum = area.getLong(slot + KernelLayout.SLOT_SUM);
                    part.kinds().add(kinds[k], count, sum, lo, hi);
                    closed.closed(cpu * KernelLayout.NKINDS + k, count, sum);
                    if (count > 0) {
                        min[k] = Math.min(min[k], lo);
                        max[k] = Math.max(max[k], hi);
                    }
                }
                area.read(base + KernelLayout.KIND_HIST, histCpu, 0, histCpu.length);
                for (int b = 0; b < histCpu.length; b++) {
                    histNow[k][b] += histCpu[b];
                }
            }
        }
        for (int k = 0; k < kinds.length; k++) {
            for (int b = 0; b < KernelLayout.NBUCKETS; b++) {
                long added = histNow[k][b] - histPrevious[k][b];
                histPrevious[k][b] = histNow[k][b];
                if (added > 0) {
                    part.kinds().addToDistribution(kinds[k], LogLinearBuckets.representative(b, min[k], max[k]), added);
                }
            }
        }
        closed.closedEpoch(closing);
    }

    /**
     * Each CPU's figures of each kind since load, without closing an interval ({@code --serve --by=kind}), read as
     * {@link CpuAreaReader#cumulative} reads the totals. Must not run concurrently with {@link #read}.
     */
    List<CumulativeFigures.Kind> cumulative(Pointer area, long current) {
        List<CumulativeFigures.Kind> all = new ArrayList<>(cpus * kinds.length);
        for (int cpu = 0; cpu < cpus; cpu++) {
            for (int k = 0; k < kinds.length; k++) {
                long base = (long) cpu * KernelLayout.CPU_KINDS_SIZE + KernelLayout.KINDS_KIND + (long) k * KernelLayout.KIND_AGG_SIZE;
                CumulativeAggregates.Reading r = closed.read(area, cpu * KernelLayout.NKINDS + k, base + KernelLayout.KIND_SLOTS,
                        base + KernelLayout.KIND_HIST, KernelLayout.NBUCKETS, current);
                all.add(new CumulativeFigures.Kind(kinds[k], cpu, r.count(), r.sumNs(), r.buckets(), r.powersOfTwo()));
            }
        }
        return all;
    }
}
