package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import io.ctxswitch.core.stats.ProcessStats;
import io.ctxswitch.core.stats.ProcessTable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link CpuTaskReader} takes from the per-CPU task table exactly the figures of the interval it closes:
 * per task, added up over the CPUs where it ran, with its tgid and name; nothing from free entries or from
 * slots of other intervals (the one the programs write meanwhile, or older ones).
 */
@Timeout(10)
class CpuTaskReaderTest {
    private static final int CPUS = 2;
    private final Memory table = new Memory((long) CPUS * KernelLayout.CPU_TASKS * KernelLayout.CPU_TASK_SIZE);

    @Test
    void readsEachTasksFiguresOfTheClosingIntervalAddedUpOverCpus() {
        table.clear();
        entry(0, 3, 101, 100, "pingpong-0", 7, 10, 5_000, 300, 900);   // CPU 0
        entry(1, 3, 101, 100, "pingpong-0", 7, 4, 2_000, 200, 1_000);  // the same task on CPU 1
        entry(0, 4, 102, 100, "pingpong-1", 8, 9, 9_000, 1_000, 1_000); // the interval being written: not yet
        entry(1, 5, 103, 100, "old", 5, 2, 100, 50, 50);               // an older interval of the same parity: read before
        entry(1, 0, (1L + 1) << 32, 0, "swapper/1", 7, 3, 30, 10, 10);  // CPU 1's idle task
        ProcessTable tasks = new ProcessTable(100);
        List<TaskEntry> entries = new ArrayList<>();
        new CpuTaskReader(CPUS).read(table, 7, entries);
        TaskEntry.addAll(entries, tasks);
        assertThat(tasks.size()).isEqualTo(2);
        ProcessStats pong = tasks.top(10).stream().filter(p -> p.pid() == 101).findFirst().orElseThrow();
        assertThat(pong.tgid()).isEqualTo(100);
        assertThat(pong.comm()).isEqualTo("pingpong-0");
        assertThat(pong.latency().count()).isEqualTo(14);
        assertThat(pong.latency().sumNs()).isEqualTo(7_000);
        assertThat(pong.latency().minNs()).isEqualTo(200);
        assertThat(pong.latency().maxNs()).isEqualTo(1_000);
        ProcessStats idle = tasks.top(10).stream().filter(p -> p.pid() == 0).findFirst().orElseThrow();
        assertThat(idle.comm()).isEqualTo("swapper/1");
        assertThat(idle.latency().count()).isEqualTo(3);
    }

    /**
     * A task that ran on CPU 1 as "sh", then exec'ed and ran on CPU 0 as "sleep": each CPU's entry has the name
     * it read, and the task's name is the one read last (the higher rename count), whatever the CPU order.
     */
    @Test
    void aTaskIsNamedByTheEntryThatReadItsNameLast() {
        for (int[] renames : new int[][] {{5, 6}, {6, 5}}) {
            table.clear();
            entry(0, 9, 4242, 4242, renames[0] > renames[1] ? "sleep" : "sh", 3, 1, 100, 100, 100, renames[0]);
            entry(1, 9, 4242, 4242, renames[1] > renames[0] ? "sleep" : "sh", 3, 2, 300, 100, 200, renames[1]);
            List<TaskEntry> entries = new ArrayList<>();
            new CpuTaskReader(CPUS).read(table, 3, entries);
            ProcessTable tasks = new ProcessTable(100);
            TaskEntry.addAll(entries, tasks);
            assertThat(tasks.top(10)).singleElement().satisfies(p -> {
                assertThat(p.comm()).isEqualTo("sleep");
                assertThat(p.latency().count()).isEqualTo(3);
            });
        }
    }

    private void entry(int cpu, int index, long key, int tgid, String comm, long epoch, long count, long sum, long min, long max) {
        entry(cpu, index, key, tgid, comm, epoch, count, sum, min, max, 0);
    }

    /** Writes entry {@code index} of {@code cpu} as the program does: key, tgid, name, renames, and the slot of {@code epoch}. */
    private void entry(int cpu, int index, long key, int tgid, String comm, long epoch, long count, long sum, long min, long max,
                       int renames) {
        long base = ((long) cpu * KernelLayout.CPU_TASKS + index) * KernelLayout.CPU_TASK_SIZE;
        long agg = base + KernelLayout.CPU_TASK_AGG;
        table.setLong(base + KernelLayout.CPU_TASK_KEY, key);
        table.setInt(agg + KernelLayout.PROC_TGID, tgid);
        byte[] name = comm.getBytes(StandardCharsets.UTF_8);
        table.write(agg + KernelLayout.PROC_COMM, new byte[KernelLayout.COMM_LEN], 0, KernelLayout.COMM_LEN);
        table.write(agg + KernelLayout.PROC_COMM, name, 0, name.length);
        table.setInt(agg + KernelLayout.PROC_RENAMES, renames);
        long slot = KernelLayout.slot(agg + KernelLayout.PROC_SLOTS, epoch);
        table.setLong(slot + KernelLayout.SLOT_EPOCH, epoch);
        table.setLong(slot + KernelLayout.SLOT_COUNT, count);
        table.setLong(slot + KernelLayout.SLOT_SUM, sum);
        table.setLong(slot + KernelLayout.SLOT_MIN, min);
        table.setLong(slot + KernelLayout.SLOT_MAX, max);
    }
}
