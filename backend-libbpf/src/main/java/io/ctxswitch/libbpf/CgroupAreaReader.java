package io.ctxswitch.libbpf;

import com.sun.jna.Pointer;
import io.ctxswitch.core.host.CgroupPaths;
import io.ctxswitch.core.stats.LatencyStats;

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

    CgroupAreaReader(int cpus, CgroupPaths paths) {
        this.entries = cpus * KernelLayout.CPU_CGROUPS;
        this.copy = new long[entries * LONGS_PER_ENTRY];
        this.paths = paths;
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
            part.cgroups().add(id, paths.path(id), copy[at + exact + KernelLayout.SLOT_COUNT / 8],
                    copy[at + exact + KernelLayout.SLOT_SUM / 8], min, max);
            for (int b = 0; b < KernelLayout.CGROUP_BUCKETS; b++) {
                long n = copy[at + hist + b];
                if (n > 0) {
                    part.cgroups().addToDistribution(id, representative(b, min, max), n);
                }
            }
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
