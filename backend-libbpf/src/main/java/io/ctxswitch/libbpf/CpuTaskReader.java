package io.ctxswitch.libbpf;

import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads the per-CPU task table (struct cpu_task[cpus * CPU_TASKS], memory-mapped; docs/kernel-maps.md):
 * each entry's figures of the interval being closed (a task may also have entries on other CPUs and in the
 * hash table: {@link TaskEntry#addAll} adds them up). An entry changes hands in the kernel only when its
 * task had no sample in the interval being closed nor the one before, so an entry with figures of that
 * interval keeps its key, tgid and figures while it is read.
 */
final class CpuTaskReader {
    private static final int LONGS_PER_ENTRY = KernelLayout.CPU_TASK_SIZE / 8;

    private final int entries;
    private final long[] copy;

    CpuTaskReader(int cpus) {
        this.entries = cpus * KernelLayout.CPU_TASKS;
        this.copy = new long[entries * LONGS_PER_ENTRY];
    }

    /** Every entry's figures of the interval {@code closing}, into {@code into}. */
    void read(Pointer table, long closing, List<TaskEntry> into) {
        table.read(0, copy, 0, copy.length); // one copy; the few entries with figures are then read for their name
        int slot = (KernelLayout.CPU_TASK_AGG + (int) KernelLayout.slot(KernelLayout.PROC_SLOTS, closing)) / 8;
        for (int i = 0; i < entries; i++) {
            int at = i * LONGS_PER_ENTRY;
            long key = copy[at + KernelLayout.CPU_TASK_KEY / 8];
            if (key == 0 || copy[at + slot + KernelLayout.SLOT_EPOCH / 8] != closing) {
                continue;
            }
            long agg = (long) i * KernelLayout.CPU_TASK_SIZE + KernelLayout.CPU_TASK_AGG;
            into.add(new TaskEntry(key, table.getInt(agg + KernelLayout.PROC_TGID),
                    name(table.getByteArray(agg + KernelLayout.PROC_COMM, KernelLayout.COMM_LEN)),
                    table.getInt(agg + KernelLayout.PROC_RENAMES),
                    copy[at + slot + KernelLayout.SLOT_COUNT / 8], copy[at + slot + KernelLayout.SLOT_SUM / 8],
                    copy[at + slot + KernelLayout.SLOT_MIN / 8], copy[at + slot + KernelLayout.SLOT_MAX / 8]));
        }
    }

    /** A task's name as the kernel keeps it: up to 15 bytes, NUL-padded. */
    static String name(byte[] raw) {
        int len = 0;
        while (len < raw.length && raw[len] != 0) {
            len++;
        }
        return new String(raw, 0, len, StandardCharsets.UTF_8);
    }
}
