package io.ctxswitch.libbpf;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.ctxswitch.core.stats.LatencyStats;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the kernel's aggregates into {@link LatencyStats}, one interval at a time.
 *
 * <p>Exact figures (count, sum, min, max) live in two slots per CPU and per task, chosen by the
 * parity of the epoch. To close an interval, user space advances the epoch, waits for programs that
 * read the old one to finish, then reads the old slots, which nobody writes any more (the per-CPU
 * area: {@link CpuAreaReader}; the task table: here).
 */
final class KernelReader {
    /**
     * How long a program that read the old epoch may still be writing. Our programs run for well
     * under a microsecond with preemption off; an interrupt can stretch that, not to 10 ms.
     */
    static final long EPOCH_GRACE_MS = 10;

    private final LoadedObject object;
    private final boolean perTask;
    private final Libbpf lib;
    private long epoch = 1;
    private final CpuAreaReader cpuArea;
    private final KindAreaReader kindArea; // null without --by=kind
    private final CgroupAreaReader cgroupArea; // null without --by=cgroup
    private final Memory currentKey = new Memory(8);
    private final Memory nextKey = new Memory(8);
    private final Memory value = new Memory(KernelLayout.PROC_AGG_SIZE);
    private final CpuTaskReader cpuTasks;

    /** @param perCpuBins whether each CPU's samples are also put in its report bins (only {@code --per-cpu} shows them) */
    KernelReader(Libbpf lib, LoadedObject object, boolean perTask, boolean perCpuBins) {
        this.lib = lib;
        this.object = object;
        this.perTask = perTask;
        this.cpuArea = new CpuAreaReader(object.cpus, perCpuBins);
        this.cpuTasks = perTask ? new CpuTaskReader(object.cpus) : null;
        this.kindArea = object.kindsArea() == null ? null : new KindAreaReader(object.cpus);
        this.cgroupArea = object.cgroupsArea() == null ? null
                : new CgroupAreaReader(object.cpus, io.ctxswitch.core.host.CgroupPaths.ofThisHost());
    }

    /**
     * Everything since the previous call.
     *
     * @param attached whether programs may still write (then the epoch is advanced first); false
     *                 after detaching, when the current slots are final
     */
    LatencyStats drain(boolean attached) throws InterruptedException {
        long closing = epoch;
        if (attached) {
            epoch = closing + 1;
            object.setEpoch(epoch);
            Thread.sleep(EPOCH_GRACE_MS);
        }
        LatencyStats part = new LatencyStats();
        cpuArea.read(object.cpuArea(), closing, part);
        if (kindArea != null) {
            kindArea.read(object.kindsArea(), closing, part);
        }
        if (cgroupArea != null) {
            cgroupArea.read(object.cgroupsArea(), closing, part);
        }
        if (perTask) {
            List<TaskEntry> entries = new ArrayList<>();
            cpuTasks.read(object.cpuTasks(), closing, entries);
            readTasks(entries, closing);
            TaskEntry.addAll(entries, part.processes());
        }
        return part;
    }

    /** Everything since load, without closing an interval (an exporter's scrape). */
    io.ctxswitch.core.stats.CumulativeFigures cumulative() {
        return cpuArea.cumulative(object.cpuArea(), epoch);
    }

    /** Switches in the current, still open interval (for a status line). */
    long openIntervalCount() {
        return cpuArea.openCount(object.cpuArea(), epoch);
    }

    /**
     * Reads the task table key by key; forgets tasks that had no sample for two intervals, so it stays
     * bounded. Not with bpf_map_lookup_batch: the kernel walks the table's 16384 buckets with
     * kprobe programs disabled on this CPU (bpf_prog_active), and where that walk is preempted
     * (preempt=full, PREEMPT_RT) the kprobe mode missed every switch until this thread ran again
     * (about 0.3 % of them with a read each second). Stepping from key to key keeps that window to
     * the copy of one value.
     */
    private void readTasks(List<TaskEntry> entries, long closing) {
        int fd = object.procsFd();
        List<Long> stale = new ArrayList<>();
        Pointer previous = null;
        while (lib.api.bpf_map_get_next_key(fd, previous, nextKey) == 0) {
            long key = nextKey.getLong(0);
            currentKey.setLong(0, key);
            previous = currentKey;
            if (lib.api.bpf_map_lookup_elem(fd, currentKey, value) != 0) {
                continue;
            }
            long slot = KernelLayout.slot(KernelLayout.PROC_SLOTS, closing);
            long other = KernelLayout.slot(KernelLayout.PROC_SLOTS, closing + 1);
            if (value.getLong(slot + KernelLayout.SLOT_EPOCH) == closing) {
                entries.add(new TaskEntry(key, value.getInt(KernelLayout.PROC_TGID),
                        CpuTaskReader.name(value.getByteArray(KernelLayout.PROC_COMM, KernelLayout.COMM_LEN)),
                        value.getInt(KernelLayout.PROC_RENAMES),
                        value.getLong(slot + KernelLayout.SLOT_COUNT), value.getLong(slot + KernelLayout.SLOT_SUM),
                        value.getLong(slot + KernelLayout.SLOT_MIN), value.getLong(slot + KernelLayout.SLOT_MAX)));
            } else if (value.getLong(other + KernelLayout.SLOT_EPOCH) < closing - 1) {
                stale.add(key);
            }
        }
        Memory key = new Memory(8);
        for (long k : stale) {
            key.setLong(0, k);
            lib.api.bpf_map_delete_elem(fd, key);
        }
    }
}
