package io.ctxswitch.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.model.Outlier;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The --slower lines, golden: text and JSON, wall-clock and trace time, a cgroup removed meanwhile, perf's unknowns. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OutlierFormatTest {
    /** 2026-12-01T22:41:03.123456789Z */
    private static final long WALL = 1_796_164_863_123_456_789L;
    private final OutlierFormat format = new OutlierFormat(ZoneOffset.UTC);

    private static Outlier live(long cgroupId, String cgroup) {
        return new Outlier(WALL, Outlier.TimeBase.WALL, 1, 1_270_000, 4321, "sched-pipe", "S", 4322, "web worker",
                cgroupId, cgroup, "blocked");
    }

    @Test
    void textLineSaysWhenWhereHowLongWhoLeftAndWhoStarted() {
        assertThat(format.text(live(77, "/test.slice")))
                .isEqualTo("22:41:03.123456  cpu 1   1.27 ms  4321 sched-pipe S -> 4322 web worker /test.slice  blocked");
    }

    @Test
    void aCgroupRemovedMeanwhileShowsItsIdAndPerfsUnknownsShowAsSuch() {
        assertThat(format.text(live(77, null))).contains(" -> 4322 web worker cgroup-id:77  blocked");
        Outlier perf = new Outlier(1_671_919_122_419L, Outlier.TimeBase.TRACE, 0, 3308, 0, "swapper", null, 10098, "perf",
                -1, null, null);
        assertThat(format.text(perf)).isEqualTo("1671.919122419  cpu 0   3.31 us  0 swapper ? -> 10098 perf -  ?");
    }

    @Test
    void jsonLineIsOneObjectOfKindOutlier() throws Exception {
        assertThat(format.json(live(77, "/test.slice"))).isEqualTo("{\"kind\":\"outlier\",\"time\":\"2026-12-01T22:41:03.123456789Z\","
                + "\"trace_time_ns\":null,\"cpu\":1,\"latency_ns\":1270000,\"prev_pid\":4321,\"prev_comm\":\"sched-pipe\","
                + "\"prev_state\":\"S\",\"next_pid\":4322,\"next_comm\":\"web worker\",\"cgroup_id\":77,\"cgroup\":\"/test.slice\","
                + "\"switch_kind\":\"blocked\"}");
        Outlier replayed = new Outlier(1_671_919_122_419L, Outlier.TimeBase.TRACE, 0, 3308, 0, "swapper", null, 10098,
                "a \"quoted\"\tname", -1, null, null);
        var node = new ObjectMapper().readTree(format.json(replayed));
        assertThat(node.get("time").isNull()).isTrue();
        assertThat(node.get("trace_time_ns").asLong()).isEqualTo(1_671_919_122_419L);
        assertThat(node.get("cgroup_id").isNull()).isTrue();
        assertThat(node.get("next_comm").asText()).isEqualTo("a \"quoted\"\tname");
    }

    @Test
    void headerNamesTheThreshold() {
        assertThat(OutlierFormat.textHeader(10_000)).startsWith("switches at or above 10.0 us (");
    }
}
