package io.ctxswitch.libbpf;

import com.sun.jna.Pointer;
import io.ctxswitch.core.stats.LatencyStats;
import java.util.Arrays;

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
    private final long[] unpairedPrevious;
    private final long[] noSwitchPrevious;
    private final long[] droppedPrevious;
    private final long[] untimedStartPrevious;
    private final long[] untimedEndPrevious;

    public CpuAreaReader(int cpus) {
        this.cpus = cpus;
        this.unpairedPrevious = new long[cpus];
        this.noSwitchPrevious = new long[cpus];
        this.droppedPrevious = new long[cpus];
        this.untimedStartPrevious = new long[cpus];
        this.untimedEndPrevious = new long[cpus];
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
                part.addCpu(cpu, count, area.getLong(slot + KernelLayout.SLOT_SUM), min, max);
                if (count > 0) {
                    partMin = Math.min(partMin, min);
                    partMax = Math.max(partMax, max);
                }
            }
            part.addUnpaired(delta(area, base + KernelLayout.CPU_UNPAIRED, unpairedPrevious, cpu));
            part.addNoSwitch(delta(area, base + KernelLayout.CPU_NO_SWITCH, noSwitchPrevious, cpu));
            part.addUntimed(delta(area, base + KernelLayout.CPU_UNTIMED_START, untimedStartPrevious, cpu),
                    delta(area, base + KernelLayout.CPU_UNTIMED_END, untimedEndPrevious, cpu));
            part.processes().addOverflow(delta(area, base + KernelLayout.CPU_PROC_DROPPED, droppedPrevious, cpu));
            area.read(base + KernelLayout.CPU_HIST, histCpu, 0, histCpu.length);
            for (int b = 0; b < histCpu.length; b++) {
                histNow[b] += histCpu[b];
            }
        }
        addDistribution(part, partMin, partMax);
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
