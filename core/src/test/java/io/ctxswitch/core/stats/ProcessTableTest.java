package io.ctxswitch.core.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcessTableTest {

    @Test
    void idleTasksOfDifferentCpusStayApart() {
        ProcessTable table = new ProcessTable(10);
        table.record(0, 0, "swapper/0", 0, 100);
        table.record(0, 0, "swapper/1", 1, 300);
        table.record(0, 0, "swapper/1", 1, 500);
        assertThat(table.top(5)).extracting(ProcessStats::comm).containsExactly("swapper/1", "swapper/0");
        assertThat(ProcessTable.taskKey(0, 0)).isNotEqualTo(ProcessTable.taskKey(0, 1));
        assertThat(ProcessTable.taskKey(7, 0)).isEqualTo(ProcessTable.taskKey(7, 1));
    }

    @Test
    void aFullTableCountsWhatItCannotAttribute() {
        ProcessTable table = new ProcessTable(2);
        table.record(1, 1, "a", 0, 10);
        table.record(2, 2, "b", 0, 10);
        table.record(3, 3, "c", 0, 10);
        table.record(3, 3, "c", 0, 10);
        table.record(1, 1, "a", 0, 10); // known tasks still count
        assertThat(table.size()).isEqualTo(2);
        assertThat(table.overflowSamples()).isEqualTo(2);
        assertThat(table.top(5).get(0).latency().count()).isEqualTo(2);
    }

    @Test
    void aTaskKeepsItsLatestNameAndTheTopIsByCount() {
        ProcessTable table = new ProcessTable(10);
        table.record(9, 9, "bash", 0, 10);
        table.record(9, 9, "ls", 0, 30);
        table.record(4, 4, "Web Content 9", 1, 5);
        assertThat(table.top(1)).extracting(ProcessStats::comm).containsExactly("ls");
        assertThat(table.top(1).get(0).latency().meanNs()).isEqualTo(20.0);
        assertThat(table.top(10)).extracting(ProcessStats::comm).containsExactly("ls", "Web Content 9");
    }
}
