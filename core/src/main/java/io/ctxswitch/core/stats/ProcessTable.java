package io.ctxswitch.core.stats;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Latency per incoming task, bounded: once {@code capacity} tasks are known, samples of new tasks
 * are still counted in the totals but not attributed, and {@link #overflowSamples} says how many.
 *
 * <p>Tasks are keyed by pid (the kernel's task id), except the idle tasks, which all have pid 0 but
 * are one per CPU: they are keyed by their CPU so that {@code swapper/0} and {@code swapper/1} stay apart.
 */
public final class ProcessTable {
    public static final int DEFAULT_CAPACITY = 32_768;

    private final int capacity;
    private final Map<Long, ProcessStats> byTask = new HashMap<>();
    private long overflowSamples;

    public ProcessTable(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
    }

    /** The key of a task: its pid, or for an idle task (pid 0) a value derived from its CPU. */
    public static long taskKey(int pid, int cpu) {
        return pid != 0 ? Integer.toUnsignedLong(pid) : ((long) (cpu + 1)) << 32;
    }

    public void record(int pid, int tgid, String comm, int cpu, long latencyNs) {
        ProcessStats stats = lookup(taskKey(pid, cpu), pid, tgid, comm);
        if (stats == null) {
            overflowSamples++;
            return;
        }
        stats.latency().record(latencyNs);
    }

    /** Adds an aggregate for one task (from the kernel's table, or another part). */
    public void add(long taskKey, int pid, int tgid, String comm, long count, long sumNs, long minNs, long maxNs) {
        if (count <= 0) {
            return;
        }
        ProcessStats stats = lookup(taskKey, pid, tgid, comm);
        if (stats == null) {
            overflowSamples += count;
            return;
        }
        stats.latency().add(count, sumNs, minNs, maxNs);
    }

    public void add(ProcessTable other) {
        for (Map.Entry<Long, ProcessStats> e : other.byTask.entrySet()) {
            ProcessStats p = e.getValue();
            ExactStats l = p.latency();
            add(e.getKey(), p.pid(), p.tgid(), p.comm(), l.count(), l.sumNs(), l.minNs(), l.maxNs());
        }
        overflowSamples += other.overflowSamples;
    }

    /** Samples into kernel-side overflowed tables are reported the same way. */
    public void addOverflow(long samples) {
        overflowSamples += samples;
    }

    private ProcessStats lookup(long key, int pid, int tgid, String comm) {
        ProcessStats stats = byTask.get(key);
        if (stats == null) {
            if (byTask.size() >= capacity) {
                return null;
            }
            stats = new ProcessStats(pid, tgid, comm);
            byTask.put(key, stats);
        } else if (!stats.comm().equals(comm) || stats.tgid() != tgid) {
            stats.rename(tgid, comm);
        }
        return stats;
    }

    public int size() {
        return byTask.size();
    }

    public long overflowSamples() {
        return overflowSamples;
    }

    /** The {@code n} tasks switched in most often (ties: higher total latency first, then pid). */
    public List<ProcessStats> top(int n) {
        List<ProcessStats> all = new ArrayList<>(byTask.values());
        all.sort(Comparator.comparingLong((ProcessStats p) -> p.latency().count()).reversed()
                .thenComparing(Comparator.comparingLong((ProcessStats p) -> p.latency().sumNs()).reversed())
                .thenComparingInt(ProcessStats::pid));
        return all.subList(0, Math.min(n, all.size()));
    }
}
