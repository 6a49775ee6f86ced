package io.ctxswitch.libbpf;

import com.sun.jna.Pointer;
import io.ctxswitch.core.host.CgroupPaths;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LatencyStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * --by=cgroup: reads the per-CPU cgroup table (struct cpu_cgroup[cpus * CPU_CGROUPS], memory-mapped;
 * docs/kernel-maps.md) into one interval's figures: each entry's exact slot of the interval being closed and
 * that slot's log2 histogram, under the cgroup's path as resolved now ({@link CgroupPaths}; a cgroup gone before
 * it was ever resolved keeps only its id). An entry changes hands in the kernel only when its cgroup had no
 * sample in the interval being closed nor the one before, so an entry with figures of that interval keeps its
 * id and figures while it is read. What did not fit in the kernel's table is read by {@link CpuAreaReader}
 * (cgroup_dropped).
 */
final class CgroupAreaReader {
    private static final int LONGS_PER_ENTRY = KernelLayout.CPU_CGROUP_SIZE / 8;

    private final int entries;
    private final long[] copy;
    private final CgroupPaths paths;
    /** With --serve, for {@link #cumulative}: each cgroup's figures of the intervals closed so far, by id; else null. */
    private final Map<Long, Closed> closed;
    private long lastClosed;

    /** One cgroup's figures of the closed intervals: its path as last read, exact count and sum, log2 buckets. */
    private static final class Closed {
        String path;
        long count;
        long sumNs;
        final long[] buckets = new long[KernelLayout.CGROUP_BUCKETS];
    }

    /** A reader for the drains only. */
    CgroupAreaReader(int cpus, CgroupPaths paths) {
        this(cpus, paths, false);
    }

    /**
     * @param cumulative whether {@link #cumulative} will be asked ({@code --serve}): the drains then keep each
     *                   cgroup's figures of the intervals they close (a map of every cgroup seen since load)
     */
    CgroupAreaReader(int cpus, CgroupPaths paths, boolean cumulative) {
        this.entries = cpus * KernelLayout.CPU_CGROUPS;
        this.copy = new long[entries * LONGS_PER_ENTRY];
        this.paths = paths;
        this.closed = cumulative ? new HashMap<>() : null;
    }

    /** Every entry's figures of the interval {@code closing}, into {@code part}'s cgroups. */
    void read(Pointer table, long closing, LatencyStats part) {
        part.cgroups().markTracked();
        table.read(0, copy, 0, copy.length); // one copy, then only the entries of this interval are looked at
        int slot = (int) KernelLayout.cgroupSlot(KernelLayout.CPU_CGROUP_SLOTS, closing) / 8;
        int exact = slot + KernelLayout.CGROUP_SLOT_EXACT / 8;
        int hist = slot + KernelLayout.CGROUP_SLOT_HIST / 8;
        for (int i = 0; i < entries; i++) {
            int at = i * LONGS_PER_ENTRY;
            long id = copy[at + KernelLayout.CPU_CGROUP_ID / 8];
            if (id == 0 || copy[at + exact + KernelLayout.SLOT_EPOCH / 8] != closing) {
                continue;
            }
            long min = copy[at + exact + KernelLayout.SLOT_MIN / 8];
            long max = copy[at + exact + KernelLayout.SLOT_MAX / 8];
            long count = copy[at + exact + KernelLayout.SLOT_COUNT / 8];
            long sum = copy[at + exact + KernelLayout.SLOT_SUM / 8];
            String path = paths.path(id);
            part.cgroups().add(id, path, count, sum, min, max);
            Closed kept = closed == null ? null : closed.computeIfAbsent(id, k -> new Closed());
            if (kept != null) {
                kept.path = path != null ? path : kept.path;
                kept.count += count;
                kept.sumNs += sum;
            }
            for (int b = 0; b < KernelLayout.CGROUP_BUCKETS; b++) {
                long n = copy[at + hist + b];
                if (n > 0) {
                    part.cgroups().addToDistribution(id, representative(b, min, max), n);
                }
                if (kept != null) {
                    kept.buckets[b] += n;
                }
            }
        }
        lastClosed = closing;
    }

    /**
     * Every cgroup's figures since load, without closing an interval ({@code --serve --by=cgroup}): those of the
     * intervals closed so far plus each entry's slot of the open interval {@code current} (unless the final drain
     * took it as final), all CPUs' entries of a cgroup added up. Must not run concurrently with {@link #read}.
     *
     * <p>The programs keep writing the open slots meanwhile. An entry's slot is read only once it holds the open
     * interval (its histogram was cleared before the epoch was written: cgroup_add), and then as the totals are
     * ({@link CumulativeAggregates#readConsistently}): the count is its buckets' total, the sum read after them,
     * neither ever less than at an earlier reading. An entry taken by another cgroup while it is read (a free one,
     * or one with no sample in this interval nor the previous) is left to the next reading: it had nothing of the
     * open interval before. Entries of a cgroup never change hands while it has samples in the open interval.
     */
    CumulativeFigures.Cgroups cumulative(Pointer table, long current, long unattributed) {
        if (closed == null) {
            throw new IllegalStateException("a reader made for the drains only");
        }
        Map<Long, Closed> all = new HashMap<>();
        for (Map.Entry<Long, Closed> c : closed.entrySet()) {
            Closed sum = new Closed();
            add(sum, c.getValue().path, c.getValue().count, c.getValue().sumNs, c.getValue().buckets);
            all.put(c.getKey(), sum);
        }
        if (current > lastClosed) {
            long[] buckets = new long[KernelLayout.CGROUP_BUCKETS];
            for (int i = 0; i < entries; i++) {
                long entry = (long) i * KernelLayout.CPU_CGROUP_SIZE;
                long id = table.getLong(entry + KernelLayout.CPU_CGROUP_ID);
                long slot = KernelLayout.cgroupSlot(entry + KernelLayout.CPU_CGROUP_SLOTS, current);
                if (id == 0 || table.getLong(slot + KernelLayout.CGROUP_SLOT_EXACT + KernelLayout.SLOT_EPOCH) != current) {
                    continue;
                }
                long sum = CumulativeAggregates.readConsistently(table, slot + KernelLayout.CGROUP_SLOT_EXACT, current, true,
                        slot + KernelLayout.CGROUP_SLOT_HIST, buckets, 0);
                if (table.getLong(entry + KernelLayout.CPU_CGROUP_ID) != id) {
                    continue;
                }
                add(all.computeIfAbsent(id, k -> new Closed()), paths.path(id), CumulativeAggregates.total(buckets), sum, buckets);
            }
        }
        List<CumulativeFigures.Cgroup> cgroups = new ArrayList<>(all.size());
        for (Map.Entry<Long, Closed> c : all.entrySet()) {
            Closed f = c.getValue();
            cgroups.add(new CumulativeFigures.Cgroup(c.getKey(), f.path, f.count, f.sumNs, f.buckets));
        }
        return new CumulativeFigures.Cgroups(cgroups, unattributed);
    }

    private static void add(Closed to, String path, long count, long sumNs, long[] buckets) {
        to.path = path != null ? path : to.path;
        to.count += count;
        to.sumNs += sumNs;
        for (int b = 0; b < buckets.length; b++) {
            to.buckets[b] += buckets[b];
        }
    }

    /**
     * Where log2 bucket {@code b}'s samples go into the distribution: its geometric middle (2^b x sqrt 2, 1 ns for
     * bucket 0, which holds 0 and 1 ns), kept within the exact min and max of the entry's samples. Every sample of
     * the bucket is within a factor of sqrt 2 of it: a cgroup's p99 is that coarse (README.md, "Breakdown by
     * cgroup"), the price of a histogram small enough to reset per interval in the kernel.
     */
    static long representative(int b, long min, long max) {
        long middle = b == 0 ? 1 : Math.round(Math.scalb(Math.sqrt(2), b));
        return Math.max(min, Math.min(max, middle));
    }
}
