package io.ctxswitch.libbpf;

import com.sun.jna.Memory;
import io.ctxswitch.core.stats.LogLinearBuckets;

/** A per-CPU area laid out as the kernel's (KernelLayout), written as the BPF program writes it. */
final class FakeCpuArea {
    final Memory area;

    FakeCpuArea(int cpus) {
        area = new Memory((long) cpus * KernelLayout.CPU_AGG_SIZE);
        area.clear();
    }

    /** One sample, as record_sample writes it: the epoch's slot, then the histogram. */
    void sample(int cpu, long epoch, long ns) {
        long base = (long) cpu * KernelLayout.CPU_AGG_SIZE;
        slotAdd(area, KernelLayout.slot(base + KernelLayout.CPU_SLOTS, epoch), epoch, ns);
        long bucket = base + KernelLayout.CPU_HIST + 8L * LogLinearBuckets.bucketOf(ns);
        area.setLong(bucket, area.getLong(bucket) + 1);
    }

    /** slot_add(): an interval slot at {@code slot} in {@code area}, reset by the first sample of a new epoch. */
    static void slotAdd(Memory area, long slot, long epoch, long ns) {
        if (area.getLong(slot + KernelLayout.SLOT_EPOCH) != epoch) {
            area.setLong(slot + KernelLayout.SLOT_EPOCH, epoch);
            area.setLong(slot + KernelLayout.SLOT_COUNT, 0);
            area.setLong(slot + KernelLayout.SLOT_SUM, 0);
            area.setLong(slot + KernelLayout.SLOT_MIN, ns);
            area.setLong(slot + KernelLayout.SLOT_MAX, ns);
        }
        area.setLong(slot + KernelLayout.SLOT_MIN, Math.min(ns, area.getLong(slot + KernelLayout.SLOT_MIN)));
        area.setLong(slot + KernelLayout.SLOT_MAX, Math.max(ns, area.getLong(slot + KernelLayout.SLOT_MAX)));
        area.setLong(slot + KernelLayout.SLOT_SUM, area.getLong(slot + KernelLayout.SLOT_SUM) + ns);
        area.setLong(slot + KernelLayout.SLOT_COUNT, area.getLong(slot + KernelLayout.SLOT_COUNT) + 1);
    }
}
