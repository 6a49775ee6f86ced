package io.ctxswitch.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.model.SwitchKind;
import io.ctxswitch.core.stats.LatencyStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** --by=kind in the report: every kind listed in order, exact figures per kind, counts adding up, null without it. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class KindBreakdownTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Kinds by i % 4 over samples 10, 20 ... 4000 ns: preempted, blocked, from-idle, to-idle; no yield, no exit. */
    private static LatencyStats classified() {
        SwitchKind[] cycle = {SwitchKind.PREEMPTED, SwitchKind.BLOCKED, SwitchKind.FROM_IDLE, SwitchKind.TO_IDLE};
        LatencyStats stats = new LatencyStats();
        for (int i = 1; i <= 400; i++) {
            stats.record(i % 2, i * 10L, 100, 100, "t");
            stats.kinds().record(cycle[i % 4], i * 10L);
        }
        return stats;
    }

    @Test
    void everyKindIsListedInOrderAndTheCountsAddUpToTheTotal() throws Exception {
        Summary s = Summary.of("summary", "perf", "p", 1L, classified(), false, 0);
        JsonNode byKind = JSON.readTree(new JsonRenderer().render(s)).get("by_kind");
        List<String> names = new ArrayList<>();
        long sum = 0;
        for (JsonNode k : byKind) {
            names.add(k.get("kind").asText());
            sum += k.get("count").asLong();
        }
        assertThat(names).containsExactly("preempted", "blocked", "yield", "exit", "from-idle", "to-idle");
        assertThat(sum).isEqualTo(s.count()).isEqualTo(400);
        // blocked: i % 4 == 1, i = 1, 5 ... 397: 100 samples of 10, 50 ... 3970 ns
        JsonNode blocked = byKind.get(1);
        assertThat(blocked.get("count").asLong()).isEqualTo(100);
        assertThat(blocked.get("min_ns").asLong()).isEqualTo(10);
        assertThat(blocked.get("max_ns").asLong()).isEqualTo(3970);
        assertThat(blocked.get("mean_ns").asDouble()).isEqualTo(1990.0);
        // p99 of 100 samples: the 99th, 3930 ns, within the 1 % stated
        assertThat(blocked.get("p99_ns").asDouble()).isBetween(3930 * 0.99, 3930 * 1.01);
        JsonNode yield = byKind.get(2);
        assertThat(yield.get("count").asLong()).isZero();
        assertThat(yield.get("min_ns").isNull()).isTrue();
        assertThat(yield.get("p99_ns").isNull()).isTrue();
    }

    @Test
    void partsAddUpKindByKind() {
        LatencyStats total = new LatencyStats();
        total.add(classified());
        total.add(classified());
        Summary s = Summary.of("summary", "perf", "p", 1L, total, false, 0);
        assertThat(s.byKind()).extracting(Summary.KindLine::count).containsExactly(200L, 200L, 0L, 0L, 200L, 200L);
        assertThat(s.byKind().get(0).maxNs()).isEqualTo(4000L);
    }

    @Test
    void aClassifiedRunWithNoSwitchStillListsEveryKindAndAnUnclassifiedOneNone() throws Exception {
        LatencyStats empty = new LatencyStats();
        empty.kinds().markClassified();
        Summary s = Summary.of("summary", "libbpf", "p", 1L, empty, false, 0);
        assertThat(s.byKind()).hasSize(SwitchKind.values().length).allMatch(k -> k.count() == 0 && k.meanNs() == null);
        Summary plain = Summary.of("summary", "libbpf", "p", 1L, new LatencyStats(), false, 0);
        assertThat(plain.byKind()).isNull();
        assertThat(JSON.readTree(new JsonRenderer().render(plain)).get("by_kind").isNull()).isTrue();
        assertThat(new TextRenderer().render(Summary.of("summary", "perf", "p", 1L, sampleWithoutKinds(), false, 0)))
                .doesNotContain("from-idle");
    }

    @Test
    void theTextTableShowsEachKindsFigures() {
        String text = new TextRenderer().render(Summary.of("summary", "perf", "p", 1L, classified(), false, 0));
        assertThat(text).containsPattern("\\n  kind +count +min +mean +p99 +max\\n");
        assertThat(text).containsPattern("\\n  blocked +100 +10 ns +1\\.99 us +3\\.9\\d us +3\\.97 us\\n");
        assertThat(text).containsPattern("\\n  yield +0 +- +- +- +-\\n");
    }

    @Test
    void kindOfPutsIdleBeforeHowATaskLeft() {
        assertThat(SwitchKind.of(true, false, SwitchKind.PREEMPTED)).isEqualTo(SwitchKind.FROM_IDLE);
        assertThat(SwitchKind.of(false, true, SwitchKind.BLOCKED)).isEqualTo(SwitchKind.TO_IDLE);
        assertThat(SwitchKind.of(false, false, SwitchKind.EXIT)).isEqualTo(SwitchKind.EXIT);
    }

    private static LatencyStats sampleWithoutKinds() {
        LatencyStats stats = new LatencyStats();
        stats.record(0, 100, 1, 1, "t");
        return stats;
    }
}
