package io.ctxswitch.perf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.model.Outlier;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * --slower on perf's real traces: the outliers a replay hands over are exactly those expected.py lists
 * ("outliers": each paired switch at or above its "slower_ns", with A's state from the sched_switch line
 * before the OUT record), computed independently of this code; and the parser's prev_state on single
 * golden lines of both sched_switch formats.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OutlierTraceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"idle", "pipe", "pipe-us", "messaging", "names", "lost", "pipe-6.12", "names-6.12"})
    void outliersAreExactlyThePairsAtOrAboveTheThreshold(String name) throws Exception {
        JsonNode expected;
        try (InputStream in = getClass().getResourceAsStream("/perf/" + name + ".expected.json")) {
            expected = JSON.readTree(in);
        }
        List<Outlier> seen = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream("/perf/" + name + ".txt")) {
            PerfScriptReader.read(in, new LatencyStats(), () -> false, null, io.ctxswitch.core.spi.SwitchFilter.NONE, false,
                    new OutlierWatch(expected.get("slower_ns").asLong(), null, seen::add));
        }
        List<Map<String, Object>> got = seen.stream().map(o -> {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("cpu", o.cpu());
            m.put("trace_time_ns", o.timeNs());
            m.put("latency_ns", o.latencyNs());
            m.put("prev_pid", o.prevPid());
            m.put("prev_state", o.prevState());
            m.put("next_pid", o.nextPid());
            m.put("next_comm", o.nextComm());
            m.put("switch_kind", o.kind()); // --by=kind's classification of the same pair
            return m;
        }).toList();
        List<Map<String, Object>> want = JSON.convertValue(expected.get("outliers"),
                new com.fasterxml.jackson.core.type.TypeReference<List<Map<String, Object>>>() { });
        JsonNode gotTree = JSON.valueToTree(got);
        JsonNode wantTree = JSON.valueToTree(want);
        assertThat(wantTree.size()).as("expected.py's outliers").isPositive();
        assertThat(gotTree.toString()).isEqualTo(wantTree.toString()); // as text: Jackson tells an int node from a long one
        assertThat(seen).allSatisfy(o -> assertThat(o.timeBase()).isEqualTo(Outlier.TimeBase.TRACE));
        assertThat(seen).allSatisfy(o -> assertThat(o.cgroupId()).isEqualTo(-1));
    }

    @Test
    void prevStateIsReadFromBothFormsOfTheTracepointLine() {
        assertThat(state("            perf 10096 [000]  1671.966847647: sched:sched_switch: prev_comm=perf prev_pid=10096"
                + " prev_prio=120 prev_state=D ==> next_comm=migration/0 next_pid=18 next_prio=0")).isEqualTo("D");
        assertThat(state("     migration/0      18 [000]  1671.966863261: sched:sched_switch: migration/0:18 [0] S ==> swapper/0:0 [120]"))
                .isEqualTo("S");
        assertThat(state("            perf 10096 [000]  1671.966850651: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:    18/18"))
                .as("not a sched_switch line").isNull();
    }

    private static String state(String line) {
        PerfRecord r = new PerfRecord();
        byte[] b = line.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        PerfScriptParser.parse(b, 0, b.length, r);
        return r.prevState();
    }
}
