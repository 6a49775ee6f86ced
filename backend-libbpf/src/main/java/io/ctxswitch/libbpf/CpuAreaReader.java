package io.ctxswitch.libbpf;

import com.sun.jna.Pointer;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LatencyStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the per-CPU aggregates (struct cpu_agg[cpus], memory-mapped) into one interval's figures:
 * the closing epoch's exact slots, and the differences of the cumulative histogram and counters to
 * the previous read. Bulk copies only: no system call, no per-bucket native call.
 */
public final class CpuAreaReader {
    private final int cpus;
    private final long[] histPrevious = new long[KernelLayout.NBUCKETS];
    private final long[] histNow = new long[KernelLayout.NBUCKETS];
    private final long[] histCpu = new long[KernelLayout.NBUCKETS];
    /**
     * The report's bin of each kernel bucket. Every bucket lies inside one bin (below 128 ns a bucket
     * is one value; above, 32 buckets make a bin), so per-CPU bins are exact counts, not estimates.
     */
    private static final int[] BIN_OF_BUCKET = binOfBucket();
    private final long[][] cpuBinsPrevious; // per CPU, the cumulative histogram in bins at the previous read
    private final long[] cpuBinsNow = new long[BIN_OF_BUCKET[KernelLayout.NBUCKETS - 1] + 1];
    private final long[] unpairedPrevious;
    private final long[] noSwitchPrevious;
    private final long[] droppedPrevious;
    /** Exact figures of every interval closed so far, per CPU, for {@link #cumulative}. */
    private final CumulativeAggregates closed;
    private final long[] untimedStartPrevious;
    private final long[] untimedEndPrevious;
    private final long[] filteredPrevious;
    /** Whether to fold each CPU's buckets into its report bins: only --per-cpu shows them. */
    private final boolean perCpuBins;
    private final long[] outliersLostPrevious;
    private final long[] cgroupDroppedPrevious;

    /** A reader that also gives each CPU its report bins ({@code --per-cpu}). */
    public CpuAreaReader(int cpus) {
        this(cpus, true);
    }

    /**
     * @param perCpuBins whether to fold each CPU's buckets into its report bins ({@code --per-cpu}): a
     *                   pass over every bucket of every CPU at each drain (about 1 ms at 256 CPUs), for
     *                   figures that only {@code --per-cpu} shows
     */
    public CpuAreaReader(int cpus, boolean perCpuBins) {
        this.cpus = cpus;
        this.perCpuBins = perCpuBins;
        this.unpairedPrevious = new long[cpus];
        this.noSwitchPrevious = new long[cpus];
        this.droppedPrevious = new long[cpus];
        this.closed = new CumulativeAggregates(cpus);
        this.untimedStartPrevious = new long[cpus];
        this.untimedEndPrevious = new long[cpus];
        this.cpuBinsPrevious = perCpuBins ? new long[cpus][cpuBinsNow.length] : null;
        this.filteredPrevious = new long[cpus];
        this.outliersLostPrevious = new long[cpus];
        this.cgroupDroppedPrevious = new long[cpus];
    }

    private static int[] binOfBucket() {
        int[] bins = new int[KernelLayout.NBUCKETS];
        for (int b = 0; b < bins.length; b++) {
            bins[b] = io.ctxswitch.core.stats.BinCounts.index(io.ctxswitch.core.stats.LogLinearBuckets.low(b));
        }
        return bins;
    }

    /** Adds the interval {@code closing} of every CPU in {@code area} to {@code part}. */
    public void read(Pointer area, long closing, LatencyStats part) {
        Arrays.fill(histNow, 0);
        long partMin = Long.MAX_VALUE;
        long partMax = Long.MIN_VALUE;
        for (int cpu = 0; cpu < cpus; cpu++) {
            long base = (long) cpu * KernelLayout.CPU_AGG_SIZE;
            long slot = KernelLayout.slot(base + KernelLayout.CPU_SLOTS, closing);
            if (area.getLong(slot + KernelLayout.SLOT_EPOCH) == closing) {
                long count = area.getLong(slot + KernelLayout.SLOT_COUNT);
                long min = area.getLong(slot + KernelLayout.SLOT_MIN);
                long max = area.getLong(slot + KernelLayout.SLOT_MAX);
                long sum = area.getLong(slot + KernelLayout.SLOT_SUM);
                part.addCpu(cpu, count, sum, min, max);
                closed.closed(cpu, count, sum);
                if (count > 0) {
                    partMin = Math.min(partMin, min);
                    partMax = Math.max(partMax, max);
                }
            }
            part.addUnpaired(delta(area, base + KernelLayout.CPU_UNPAIRED, unpairedPrevious, cpu));
            part.addNoSwitch(delta(area, base + KernelLayout.CPU_NO_SWITCH, noSwitchPrevious, cpu));
            part.addUntimed(delta(area, base + KernelLayout.CPU_UNTIMED_START, untimedStartPrevious, cpu),
                    delta(area, base + KernelLayout.CPU_UNTIMED_END, untimedEndPrevious, cpu));
            part.addFiltered(delta(area, base + KernelLayout.CPU_FILTERED, filteredPrevious, cpu));
            part.addOutliersLost(delta(area, base + KernelLayout.CPU_OUTLIERS_LOST, outliersLostPrevious, cpu));
            part.processes().addOverflow(delta(area, base + KernelLayout.CPU_PROC_DROPPED, droppedPrevious, cpu));
            part.cgroups().addOverflow(delta(area, base + KernelLayout.CPU_CGROUP_DROPPED, cgroupDroppedPrevious, cpu));
            area.read(base + KernelLayout.CPU_HIST, histCpu, 0, histCpu.length);
            for (int b = 0; b < histCpu.length; b++) {
                histNow[b] += histCpu[b];
            }
            if (perCpuBins) {
                Arrays.fill(cpuBinsNow, 0);
                for (int b = 0; b < histCpu.length; b++) {
                    cpuBinsNow[BIN_OF_BUCKET[b]] += histCpu[b];
                }
                addCpuBins(part, cpu);
            }
        }
        addDistribution(part, partMin, partMax);
        closed.closedEpoch(closing);
    }

    /**
     * Everything since the programs were loaded, without closing an interval ({@link CumulativeAggregates}: the
     * intervals closed by {@link #read} so far plus the open one, {@code current}, and the cumulative histogram).
     * Must not run concurrently with {@link #read}.
     */
    public CumulativeFigures cumulative(Pointer area, long current) {
        List<CumulativeFigures.Cpu> perCpu = new ArrayList<>(cpus);
        long unpaired = 0;
        long noSwitch = 0;
        long lost = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            long base = (long) cpu * KernelLayout.CPU_AGG_SIZE;
            CumulativeAggregates.Reading r = closed.read(area, cpu, base + KernelLayout.CPU_SLOTS, base + KernelLayout.CPU_HIST,
                    KernelLayout.NBUCKETS, current);
            perCpu.add(new CumulativeFigures.Cpu(cpu, r.count(), r.sumNs(), r.buckets(), r.powersOfTwo()));
            unpaired += area.getLong(base + KernelLayout.CPU_UNPAIRED);
            noSwitch += area.getLong(base + KernelLayout.CPU_NO_SWITCH);
            lost += area.getLong(base + KernelLayout.CPU_OUTLIERS_LOST);
        }
        return new CumulativeFigures(perCpu, unpaired, noSwitch, lost);
    }

    /** Samples since load that the kernel's per-CPU cgroup tables had no room for (--by=cgroup; cumulative in the kernel). */
    long cgroupDropped(Pointer area) {
        long dropped = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            dropped += area.getLong((long) cpu * KernelLayout.CPU_AGG_SIZE + KernelLayout.CPU_CGROUP_DROPPED);
        }
        return dropped;
    }

    /** Switches so far in the interval {@code current}, still open (for a status line). */
    public long openCount(Pointer area, long current) {
        long total = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            long slot = KernelLayout.slot((long) cpu * KernelLayout.CPU_AGG_SIZE + KernelLayout.CPU_SLOTS, current);
            if (area.getLong(slot + KernelLayout.SLOT_EPOCH) == current) {
                total += area.getLong(slot + KernelLayout.SLOT_COUNT);
            }
        }
        return total;
    }

    private static long delta(Pointer area, long offset, long[] previous, int cpu) {
        long now = area.getLong(offset);
        long d = now - previous[cpu];
        previous[cpu] = now;
        return d;
    }

    /** The CPU's new samples in the report's bins (every CPU gets bins, empty ones too: its bins are known). */
    private void addCpuBins(LatencyStats part, int cpu) {
        long[] previous = cpuBinsPrevious[cpu];
        for (int i = 0; i < cpuBinsNow.length; i++) {
            part.addToCpuBins(cpu, i, cpuBinsNow[i] - previous[i]);
            previous[i] = cpuBinsNow[i];
        }
    }

    /** Each bucket's new samples, at the bucket's representative value within the interval's min and max. */
    private void addDistribution(LatencyStats part, long min, long max) {
        for (int b = 0; b < histNow.length; b++) {
            long added = histNow[b] - histPrevious[b];
            histPrevious[b] = histNow[b];
            if (added > 0) {
                part.addToDistribution(io.ctxswitch.core.stats.LogLinearBuckets.representative(b, min, max), added);
            }
        }
    }
}
