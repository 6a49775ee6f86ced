package io.ctxswitch.perf;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.spi.SwitchFilter;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The filters on perf traces: applied to paired switches, the others counted as filtered, none unpaired. */
class FilteredPairingTest {
    /**
     * Four paired switches: on CPU 0 app thread 101 (process 100) -> tool 200 (1 us), tool -> idle
     * (2 us); on CPU 1 idle -> app thread 102 (3 us), app 102 -> app 101 (4 us).
     */
    private static final String TRACE = """
                 app   101 [000]  1.000000000: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:   200/200
                tool   200 [000]  1.000001000: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:   100/101
                tool   200 [000]  1.000002000: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:     0/0
             swapper     0 [000]  1.000004000: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:   200/200
             swapper     0 [001]  1.000010000: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:   100/102
                 app   102 [001]  1.000013000: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:     0/0
                 app   102 [001]  1.000020000: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:   100/101
                 app   101 [001]  1.000024000: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:   100/102
            """;

    private static LatencyStats replay(SwitchFilter filter) throws Exception {
        LatencyStats stats = new LatencyStats();
        PerfScriptReader.read(new ByteArrayInputStream(TRACE.getBytes(StandardCharsets.UTF_8)), stats, () -> false, null, filter);
        assertThat(stats.unpaired()).isZero();
        assertThat(stats.total().count() + stats.filtered()).as("every paired switch is a sample or filtered").isEqualTo(4);
        return stats;
    }

    private static SwitchFilter filter(Set<Integer> pids, Set<Integer> tids, String comm, Set<Integer> cpus, boolean idle) {
        return new SwitchFilter(new TreeSet<>(pids), new TreeSet<>(tids), comm, (Path) null, new TreeSet<>(cpus), idle);
    }

    @Test
    void withoutFiltersEverySwitchIsASample() throws Exception {
        LatencyStats all = replay(SwitchFilter.NONE);
        assertThat(all.total().count()).isEqualTo(4);
        assertThat(all.total().sumNs()).isEqualTo(10_000);
    }

    @Test
    void pidKeepsTheIncomingTasksOfThatProcess() throws Exception {
        LatencyStats s = replay(filter(Set.of(100), Set.of(), null, Set.of(), false));
        assertThat(s.total().sumNs()).isEqualTo(3_000 + 4_000);
    }

    @Test
    void tidKeepsTheIncomingThread() throws Exception {
        assertThat(replay(filter(Set.of(), Set.of(101), null, Set.of(), false)).total().sumNs()).isEqualTo(4_000);
        assertThat(replay(filter(Set.of(), Set.of(100), null, Set.of(), false)).total().count()).as("a tgid is not a tid").isZero();
    }

    @Test
    void commKeepsTheIncomingTasksOfThatName() throws Exception {
        assertThat(replay(filter(Set.of(), Set.of(), "app", Set.of(), false)).total().sumNs()).isEqualTo(3_000 + 4_000);
        assertThat(replay(filter(Set.of(), Set.of(), "tool", Set.of(), false)).total().sumNs()).isEqualTo(1_000);
    }

    @Test
    void cpusKeepTheSwitchesOnThem() throws Exception {
        assertThat(replay(filter(Set.of(), Set.of(), null, Set.of(0), false)).total().sumNs()).isEqualTo(1_000 + 2_000);
    }

    @Test
    void excludeIdleDropsSwitchesFromAndToIdle() throws Exception {
        assertThat(replay(filter(Set.of(), Set.of(), null, Set.of(), true)).total().sumNs()).isEqualTo(1_000 + 4_000);
    }

    @Test
    void filtersCombine() throws Exception {
        LatencyStats s = replay(filter(Set.of(100), Set.of(), "app", Set.of(1), true));
        assertThat(s.total().sumNs()).isEqualTo(4_000);
        assertThat(s.filtered()).isEqualTo(3);
    }
}
