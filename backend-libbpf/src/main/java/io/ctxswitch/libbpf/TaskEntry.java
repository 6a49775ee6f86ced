package io.ctxswitch.libbpf;

import io.ctxswitch.core.stats.ProcessTable;
import java.util.Comparator;
import java.util.List;

/**
 * One kernel entry's figures of a task for one interval (from cpu_tasks or procs), with {@code renames}: the
 * kernel's count of task renames when the entry last read the task's name. A task can have entries on
 * several CPUs whose names were read at different times (before and after an exec): the one read last,
 * with the highest count, is the task's name now.
 */
record TaskEntry(long key, int tgid, String comm, int renames, long count, long sumNs, long minNs, long maxNs) {

    /** Adds the entries to {@code tasks} by key, the names read last added last (so theirs is kept). */
    static void addAll(List<TaskEntry> entries, ProcessTable tasks) {
        entries.sort(Comparator.comparingLong(e -> Integer.toUnsignedLong(e.renames())));
        for (TaskEntry e : entries) {
            int pid = (int) e.key(); // idle tasks: pid 0, the CPU in the upper half
            tasks.add(e.key(), pid, e.tgid(), e.comm(), e.count(), e.sumNs(), e.minNs(), e.maxNs());
        }
    }
}
