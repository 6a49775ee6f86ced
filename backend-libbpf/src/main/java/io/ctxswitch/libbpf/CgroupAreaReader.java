package io.ctxswitch.libbpf;

import com.sun.jna.Pointer;
import io.ctxswitch.core.host.CgroupPaths;
import io.ctxswitch.core.stats.CgroupSeries;
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
    /** With --serve, for {@link #cumulative}: the series served, fed with every interval the drains close; else null. */
    private final CgroupSeries series;
    private long lastClosed;

    /** One cgroup's figures, all CPUs' entries added up: its path as last read, exact count and sum, log2 buckets. */
    private static final class Figures {
        String path;
        long count;
        long sumNs;
        final long[] buckets = new long[KernelLayout.CGROUP_BUCKETS];

        CumulativeFigures.Cgroup of(long id) {
            return new CumulativeFigures.Cgroup(id, path, count, sumNs, buckets);
        }
    }

    /** A reader for the drains only. */
    CgroupAreaReader(int cpus, CgroupPaths paths) {
        this(cpus, paths, false);
    }

    /**
     * @param cumulative whether {@link #cumulative} will be asked ({@code --serve}): the drains then give each
     *                   interval they close to the series served ({@link CgroupSeries}, bounded)
     */
    CgroupAreaReader(int cpus, CgroupPaths paths, boolean cumulative) {
        this.entries = cpus * KernelLayout.CPU_CGROUPS;
        this.copy = new long[entries * LONGS_PER_ENTRY];
        this.paths = paths;
        this.series = cumulative ? new CgroupSeries() : null;
    }

    /** Every entry's figures of the interval {@code closing}, into {@code part}'s cgroups. */
    void read(Pointer table, long closing, LatencyStats part) {
        part.cgroups().markTracked();
        table.read(0, copy, 0, copy.length); // one copy, then only the entries of this interval are looked at
        int slot = (int) KernelLayout.cgroupSlot(KernelLayout.CPU_CGROUP_SLOTS, closing) / 8;
        int exact = slot + KernelLayout.CGROUP_SLOT_EXACT / 8;
        int hist = slot + KernelLayout.CGROUP_SLOT_HIST / 8;
        Map<Long, Figures> interval = series == null ? null : new HashMap<>();
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
            Figures kept = interval == null ? null : interval.computeIfAbsent(id, k -> new Figures());
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
        if (series != null) {
            List<CumulativeFigures.Cgroup> cgroups = new ArrayList<>(interval.size());
            interval.forEach((id, f) -> cgroups.add(f.of(id)));
            series.closed(cgroups);
        }
        lastClosed = closing;
    }

    /**
     * The series served ({@code --serve --by=cgroup}), without closing an interval: those of {@link CgroupSeries}, given
     * each cgroup's figures so far of the open interval {@code current} (none once the final drain took it as final),
     * all CPUs' entries of a cgroup added up. Must not run concurrently with {@link #read}.
     *
     * <p>The programs keep writing the open slots meanwhile. An entry's slot is read only once it holds the open
     * interval (its histogram was cleared before the epoch was written: cgroup_add), and then as the totals are
     * ({@link CumulativeAggregates#readConsistently}): the count is its buckets' total, the sum read after them,
     * neither ever less than at an earlier reading. An entry taken by another cgroup while it is read (a free one,
     * or one with no sample in this interval nor the previous) is left to the next reading: it had nothing of the
     * open interval before. Entries of a cgroup never change hands while it has samples in the open interval.
     */
    CumulativeFigures.Cgroups cumulative(Pointer table, long current, long unattributed) {
        if (series == null) {
            throw new IllegalStateException("a reader made for the drains only");
        }
        Map<Long, Figures> open = new HashMap<>();
        if (current > lastClosed) {
            long[] buckets = new long[KernelLayout.CGROUP_BUCKETS];
            for (int i = 0; i < entries; i++) {
                long entry = (long) i * KernelLayout.CPU_CGROUP_SIZE;
                long id = table.getLong(entry + KernelLayout.CPU_CGROUP_ID);
                long slot = KernelLayout.cgroupSlot(entry + KernelLayout.CPU_CGROUP_SLOTS, current);
                if (id == 0 || table.getLong(slot + KernelLayout.CGROUP_SLOT_EXACT + KernelLayout.SLOT_EPOCH) != current) {
                    continue;
                }
                CumulativeAggregates.Copy copy = CumulativeAggregates.readConsistently(table, slot + KernelLayout.CGROUP_SLOT_EXACT,
                        current, true, slot + KernelLayout.CGROUP_SLOT_HIST, buckets, null, 0);
                if (table.getLong(entry + KernelLayout.CPU_CGROUP_ID) != id) {
                    continue;
                }
                Figures f = open.computeIfAbsent(id, k -> new Figures());
                String path = paths.path(id);
                f.path = path != null ? path : f.path;
                f.count += copy.total();
                f.sumNs += copy.openSum();
                for (int b = 0; b < buckets.length; b++) {
                    f.buckets[b] += buckets[b];
                }
            }
        }
        List<CumulativeFigures.Cgroup> cgroups = new ArrayList<>(open.size());
        open.forEach((id, f) -> cgroups.add(f.of(id)));
        return new CumulativeFigures.Cgroups(series.series(cgroups, paths::path), unattributed);
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
