package io.ctxswitch.perf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.model.SwitchKind;
import io.ctxswitch.core.report.Summary;
import io.ctxswitch.core.spi.SwitchFilter;
import io.ctxswitch.core.stats.ExactStats;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * --by=kind on perf traces: the real fixtures against expected.py's independent classification (by_kind), and
 * the rules on small hand-written traces (prev_state letters, R+, the fallback to the OUT's preempt mark).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class KindTraceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LatencyStats replay(InputStream in) throws Exception {
        LatencyStats stats = new LatencyStats();
        PerfScriptReader.read(in, stats, () -> false, null, SwitchFilter.NONE, true, null);
        return stats;
    }

    @ParameterizedTest
    @ValueSource(strings = {"idle", "pipe", "pipe-us", "messaging", "names", "lost", "pipe-6.12", "names-6.12"})
    void eachKindHasExactlyTheFiguresExpectedPyGives(String name) throws Exception {
        JsonNode expected;
        try (InputStream in = getClass().getResourceAsStream("/perf/" + name + ".expected.json")) {
            expected = JSON.readTree(in).get("by_kind");
        }
        LatencyStats stats;
        try (InputStream in = getClass().getResourceAsStream("/perf/" + name + ".txt")) {
            stats = replay(in);
        }
        long total = 0;
        for (SwitchKind kind : SwitchKind.values()) {
            ExactStats e = stats.kinds().stats(kind);
            JsonNode k = expected.get(kind.label());
            assertThat(e.count()).as(kind.label()).isEqualTo(k == null ? 0 : k.get("count").asLong());
            if (k != null) {
                assertThat(e.minNs()).as(kind.label()).isEqualTo(k.get("min_ns").asLong());
                assertThat(e.maxNs()).as(kind.label()).isEqualTo(k.get("max_ns").asLong());
                assertThat(e.sumNs()).as(kind.label()).isEqualTo(k.get("sum_ns").asLong());
            }
            total += e.count();
        }
        assertThat(total).isEqualTo(stats.total().count()).isPositive();
    }

    /** Hand-made: one switch per kind on CPU 0, each OUT preceded by its sched_switch line; one OUT without one. */
    @Test
    void prevStateDecidesAndTheOutRecordsMarkStandsInWhereNoSchedSwitchLineIs() throws Exception {
        String trace = String.join("\n",
                line("spin", 10, "1.000000000", "sched:sched_switch: prev_comm=spin prev_pid=10 prev_prio=120 prev_state=R+ ==> next_comm=b next_pid=11 next_prio=120"),
                line("spin", 10, "1.000000100", "PERF_RECORD_SWITCH_CPU_WIDE OUT preempt  next pid/tid:    11/11"),
                line("b", 11, "1.000000200", "PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:    10/10"),
                line("b", 11, "1.000001000", "sched:sched_switch: b:11 [120] S ==> c:12 [120]"),
                line("b", 11, "1.000001100", "PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:    12/12"),
                line("c", 12, "1.000001400", "PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:    11/11"),
                line("c", 12, "1.000002000", "sched:sched_switch: prev_comm=c prev_pid=12 prev_prio=120 prev_state=Z ==> next_comm=d next_pid=13 next_prio=120"),
                line("c", 12, "1.000002100", "PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:    13/13"),
                line("d", 13, "1.000002500", "PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:    12/12"),
                // no sched_switch line: the OUT's preempt mark says the task was still runnable
                line("d", 13, "1.000003100", "PERF_RECORD_SWITCH_CPU_WIDE OUT preempt  next pid/tid:    14/14"),
                line("e", 14, "1.000003700", "PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:    13/13"),
                // a sched_switch line of another switch (next differs): not this OUT's; no mark: blocked
                line("e", 14, "1.000004000", "sched:sched_switch: e:14 [120] R ==> x:99 [120]"),
                line("e", 14, "1.000004100", "PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:     0/0"),
                line("swapper", 0, "1.000004900", "PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:    14/14"),
                line("swapper", 0, "1.000005000", "sched:sched_switch: swapper/0:0 [120] R ==> spin:10 [120]"),
                line("swapper", 0, "1.000005100", "PERF_RECORD_SWITCH_CPU_WIDE OUT preempt  next pid/tid:    10/10"),
                line("spin", 10, "1.000006000", "PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:     0/0"),
                line("spin", 10, "1.000007000", "sched:sched_switch: prev_comm=spin prev_pid=10 prev_prio=120 prev_state=R ==> next_comm=b next_pid=11 next_prio=120"),
                line("spin", 10, "1.000007100", "PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:    11/11"),
                line("b", 11, "1.000007400", "PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:    10/10"),
                "");
        LatencyStats stats = replay(new ByteArrayInputStream(trace.getBytes(StandardCharsets.UTF_8)));
        Summary s = Summary.of("summary", "perf", "replay", 1, stats, false, 0);
        assertThat(s.count()).isEqualTo(7);
        assertThat(s.byKind()).extracting(k -> k.kind().label() + "=" + k.count() + "/" + k.maxNs())
                .containsExactly("preempted=3/600", "blocked=1/300", "yield=0/null", "exit=1/400", "from-idle=1/900",
                        "to-idle=1/800");
    }

    @Test
    void withoutByKindNothingIsClassified() throws Exception {
        LatencyStats stats = new LatencyStats();
        try (InputStream in = getClass().getResourceAsStream("/perf/pipe.txt")) {
            PerfScriptReader.read(in, stats, () -> false, null, SwitchFilter.NONE);
        }
        assertThat(stats.kinds().classified()).isFalse();
        assertThat(Summary.of("summary", "perf", "replay", 1, stats, false, 0).byKind()).isNull();
    }

    private static String line(String comm, int tid, String time, String event) {
        return String.format("%16s %6d [000] %s: %s", comm, tid, time, event);
    }
}
