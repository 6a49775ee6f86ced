package io.ctxswitch.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.stats.LatencyStats;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --percentiles} in every report: the text summary, the JSON object (summary and interval) and
 * the text rows of {@code --interval}. The samples are 1, 2 ... 1000 ns, which HdrHistogram holds
 * exactly, so that each percentile is its nearest rank: pP is the sample ceil(P * 1000 / 100).
 */
class ChosenPercentilesReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Percentiles CHOSEN = Percentiles.parse("99.99,5,9.99,99.9,50");

    private static Summary summary(String kind, Percentiles percentiles) {
        LatencyStats stats = new LatencyStats();
        for (int ns = 1; ns <= 1000; ns++) {
            stats.record(ns % 2, ns, 7, 7, "t");
        }
        return Summary.of(kind, "libbpf", "sched-tp", 1_000_000_000L, stats, false, 0, percentiles);
    }

    private static List<String> fields(JsonNode json) {
        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void jsonHasTheChosenKeysInOrderWhereTheDefaultOnesWere() throws Exception {
        for (String kind : List.of("summary", "interval")) {
            JsonNode json = JSON.readTree(new JsonRenderer().render(summary(kind, CHOSEN)));
            List<String> names = fields(json);
            int at = names.indexOf("stddev_ns") + 1;
            assertThat(names.subList(at, at + 6)).as(kind)
                    .containsExactly("p05_ns", "p0999_ns", "p50_ns", "p999_ns", "p9999_ns", "percentile_relative_error");
            assertThat(names).doesNotContain("p90_ns", "p99_ns");
            assertThat(json.get("p05_ns").asLong()).isEqualTo(50);
            assertThat(json.get("p0999_ns").asLong()).isEqualTo(100); // rank ceil(99.9)
            assertThat(json.get("p50_ns").asLong()).isEqualTo(500);
            assertThat(json.get("p999_ns").asLong()).isEqualTo(999);
            assertThat(json.get("p9999_ns").asLong()).isEqualTo(1000); // rank ceil(999.9): the max
        }
    }

    @Test
    void withoutAChoiceTheJsonIsWhatItWas() throws Exception {
        List<String> names = fields(JSON.readTree(new JsonRenderer().render(summary("summary", Percentiles.DEFAULT))));
        int at = names.indexOf("stddev_ns") + 1;
        assertThat(names.subList(at, at + 4)).containsExactly("p50_ns", "p90_ns", "p99_ns", "p999_ns");
        assertThat(new JsonRenderer().render(summary("summary", Percentiles.DEFAULT)))
                .contains("\"p50_ns\":500,\"p90_ns\":900,\"p99_ns\":990,\"p999_ns\":999,\"percentile_relative_error\":0.01");
    }

    @Test
    void anEmptyMeasurementHasNullForEachChosenPercentile() throws Exception {
        Summary s = Summary.of("summary", "x", "y", 1, new LatencyStats(), false, 0, CHOSEN);
        JsonNode json = JSON.readTree(new JsonRenderer().render(s));
        for (Percentile p : CHOSEN.shown()) {
            assertThat(json.get(p.jsonKey()).isNull()).as(p.jsonKey()).isTrue();
        }
        assertThat(new TextRenderer(CHOSEN).intervalLine("12:00:00", s)).isEqualTo(
                "12:00:00          0          -          -          -          -          -          -          -          -         0\n");
    }

    @Test
    void theTextSummaryListsTheChosenPercentilesBetweenStddevAndMax() {
        String text = new TextRenderer(CHOSEN).render(summary("summary", CHOSEN));
        assertThat(text).contains(String.join("\n",
                "  count          1,000",
                "  min             1 ns",
                "  mean          501 ns", // 500.5
                "  stddev        289 ns",
                "  p5             50 ns",
                "  p9.99         100 ns",
                "  p50           500 ns",
                "  p99.9         999 ns",
                "  p99.99       1.00 us",
                "  max          1.00 us",
                "  (percentiles and stddev within 1 %; count, min, mean and max exact)"));
        assertThat(text).doesNotContain("p90", "p99 ");
    }

    @Test
    void aLongLabelWidensTheColumnAndKeepsItAligned() {
        Percentiles long6 = Percentiles.parse("50,99.999999");
        String text = new TextRenderer(long6).render(summary("summary", long6));
        assertThat(text).contains("  p50              500 ns\n  p99.999999      1.00 us\n  max             1.00 us\n");
    }

    @Test
    void theDefaultTextSummaryIsWhatItWas() {
        String text = new TextRenderer().render(summary("summary", Percentiles.DEFAULT));
        assertThat(text).contains(String.join("\n",
                "  stddev        289 ns",
                "  p50           500 ns",
                "  p90           900 ns",
                "  p99           990 ns",
                "  p99.9         999 ns",
                "  max          1.00 us"));
    }

    @Test
    void intervalRowsHaveAColumnPerChosenPercentile() {
        TextRenderer text = new TextRenderer(CHOSEN);
        assertThat(text.intervalHeader()).isEqualTo(
                "time       switches        min       mean         p5      p9.99        p50      p99.9     p99.99        max  unpaired\n");
        assertThat(text.intervalLine("12:00:00", summary("interval", CHOSEN))).isEqualTo(
                "12:00:00      1,000       1 ns     501 ns      50 ns     100 ns     500 ns     999 ns    1.00 us    1.00 us         0\n");
    }

    @Test
    void intervalRowsWithoutAChoiceKeepP50AndP99Only() {
        TextRenderer text = new TextRenderer();
        assertThat(text.intervalHeader()).isEqualTo(
                "time       switches        min       mean        p50        p99        max  unpaired\n");
        assertThat(text.intervalLine("12:00:00", summary("interval", Percentiles.DEFAULT))).isEqualTo(
                "12:00:00      1,000       1 ns     501 ns     500 ns     990 ns    1.00 us         0\n");
    }
}
