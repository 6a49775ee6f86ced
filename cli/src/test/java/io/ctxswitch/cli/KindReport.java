package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Checks of what {@code --by=kind} and {@code --slower} report, the same on every kernel and in every mode (KindIT,
 * SlowerIT, Linux61IT): the kinds against the count, the outliers against the histogram, and each outlier's kind
 * against its own switch.
 */
final class KindReport {
    /** by_kind's kinds, in the contract's order. */
    static final List<String> KINDS = List.of("preempted", "blocked", "yield", "exit", "from-idle", "to-idle");
    /** Of the switches the kernel counted, the share that a kind must show at least (some are lost or untimed). */
    static final double SHARE = 0.97;
    /** The state letters an outlier's A may have (TaskState). */
    static final Set<String> STATES = Set.of("R", "R+", "S", "D", "T", "t", "X", "Z", "P", "I");

    private KindReport() {
    }

    /** The count of {@code kind} in the summary's by_kind, or fails. */
    static long count(JsonNode summary, String kind) {
        for (JsonNode k : summary.get("by_kind")) {
            if (k.get("kind").asText().equals(kind)) {
                return k.get("count").asLong();
            }
        }
        throw new AssertionError("no kind " + kind + " in " + summary.get("by_kind"));
    }

    /** Every switch measured is in exactly one kind: every kind listed, in order, their counts adding up to the count. */
    static void assertKindsAddUp(JsonNode summary) {
        long sum = 0;
        List<String> names = new ArrayList<>();
        for (JsonNode k : summary.get("by_kind")) {
            sum += k.get("count").asLong();
            names.add(k.get("kind").asText());
        }
        assertThat(names).containsExactlyElementsOf(KINDS);
        assertThat(sum).as("the kinds' counts").isEqualTo(summary.get("count").asLong()).isPositive();
    }

    /**
     * The switches of {@code thresholdNs} or more in the summary's per-CPU histograms (JSON per_cpu, from --per-cpu):
     * exact when the threshold is a power of two, a bin edge of every histogram of the report.
     */
    static long atOrAbove(JsonNode summary, long thresholdNs) {
        long n = 0;
        for (JsonNode cpu : summary.get("per_cpu")) {
            for (JsonNode bin : cpu.get("histogram")) {
                if (bin.get("from_ns").asLong() >= thresholdNs) {
                    n += bin.get("count").asLong();
                }
            }
        }
        return n;
    }

    /**
     * The outliers printed (the JSON lines before the summary) plus those counted lost are exactly the histograms'
     * switches at or above the threshold, each printed one at least that long.
     */
    static void assertOutliersAreTheSlowSwitches(JsonNode summary, List<JsonNode> outliers, long thresholdNs) {
        long atOrAbove = atOrAbove(summary, thresholdNs);
        long lost = summary.get("outliers_lost").asLong();
        System.out.printf("%d switches, %d at or above %d ns in the histogram; %d outliers printed, %d lost%n",
                summary.get("count").asLong(), atOrAbove, thresholdNs, outliers.size(), lost);
        assertThat(summary.get("kind").asText()).isEqualTo("summary");
        assertThat(outliers).allSatisfy(o -> assertThat(o.get("kind").asText()).isEqualTo("outlier"));
        assertThat(atOrAbove).as("switches at or above the threshold (a few are expected on any run)").isPositive();
        assertThat(summary.get("slower_ns").asLong()).isEqualTo(thresholdNs);
        assertThat(summary.get("outliers").asLong()).as("outliers printed, as the summary counts them").isEqualTo(outliers.size());
        assertThat(outliers.size() + lost).as("outliers printed + lost").isEqualTo(atOrAbove);
        assertThat(summary.get("lost").asLong()).isGreaterThanOrEqualTo(lost);
        assertThat(outliers).allSatisfy(o -> assertThat(o.get("latency_ns").asLong()).as("%s", o).isGreaterThanOrEqualTo(thresholdNs));
    }

    /**
     * An outlier's kind is the one its own switch makes (README.md, "Breakdown by kind"): from-idle if A is an idle task,
     * else to-idle if B is, else by A's state in the same switch: R+ (preempted) preempted, R preempted or yield, X or
     * Z exit, any other state blocked. So the kind, A and A's state of one outlier were noted at one switch, not
     * carried over from another. For an outlier with A's state (perf's first switch out of a CPU has none).
     */
    static void assertKindMatchesItsSwitch(JsonNode outlier) {
        String state = outlier.get("prev_state").asText(null);
        String kind = outlier.get("switch_kind").asText(null);
        assertThat(state).as("A's state in %s", outlier).isIn(STATES);
        Set<String> expected;
        if (outlier.get("prev_pid").asInt() == 0) {
            expected = Set.of("from-idle");
        } else if (outlier.get("next_pid").asInt() == 0) {
            expected = Set.of("to-idle");
        } else {
            expected = switch (state) {
                case "R+" -> Set.of("preempted");
                case "R" -> Set.of("preempted", "yield");
                case "X", "Z" -> Set.of("exit"); // libbpf's raw TASK_DEAD shows as X, perf's report of it as Z
                default -> Set.of("blocked");
            };
        }
        assertThat(kind).as("the kind of %s", outlier).isIn(expected);
    }

    /** A --slower run's JSON output, one object a line: the outliers, then the summary (last). */
    static List<JsonNode> lines(ObjectMapper json, String out) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.strip().split("\n")) {
            lines.add(json.readTree(line));
        }
        return lines;
    }
}
