package io.ctxswitch.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.report.Percentile;
import io.ctxswitch.core.report.Percentiles;
import io.ctxswitch.core.report.Summary;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real traces recorded with perf on the development machine (see src/test/resources/perf/README.md),
 * replayed through the parser and the pairing rule, against figures that expected.py computed
 * independently of this code.
 */
class GoldenTraceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Replayed(LatencyStats stats, PerfScriptReader.Outcome outcome) {
    }

    static Replayed replay(String fixture) throws Exception {
        LatencyStats stats = new LatencyStats();
        try (InputStream in = GoldenTraceTest.class.getResourceAsStream("/perf/" + fixture)) {
            PerfScriptReader.Outcome outcome = PerfScriptReader.read(in, stats, () -> false);
            return new Replayed(stats, outcome);
        }
    }

    /** Within the stated relative error of the exact nearest-rank value (and 1 ns: values are whole). */
    private static void assertPercentile(Summary s, String percentile, long exact) {
        assertThat((double) s.percentileNs(Percentile.of(percentile))).as("p" + percentile)
                .isCloseTo(exact, within(Math.max(1.0, exact * Summary.PERCENTILE_RELATIVE_ERROR)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"idle", "pipe", "pipe-us", "messaging", "names", "lost", "pipe-6.12", "names-6.12", "live-pipe"})
    void figuresAreExactlyWhatThePairingRuleDefines(String name) throws Exception {
        JsonNode expected;
        try (InputStream in = getClass().getResourceAsStream("/perf/" + name + ".expected.json")) {
            expected = JSON.readTree(in);
        }
        LatencyStats stats = replay(name + ".txt").stats();
        Summary s = Summary.of("summary", "perf", "replay", 1, stats, true, 5);

        assertThat(s.count()).isEqualTo(expected.get("count").asLong()).isPositive();
        assertThat(s.minNs()).isEqualTo(expected.get("min_ns").asLong());
        assertThat(s.maxNs()).isEqualTo(expected.get("max_ns").asLong());
        assertThat(stats.total().sumNs()).isEqualTo(expected.get("sum_ns").asLong());
        assertThat(s.unpaired()).isEqualTo(expected.get("unpaired").asLong());
        assertThat(s.lost()).isEqualTo(expected.get("lost").asLong());
        assertThat(s.skippedLines()).isEqualTo(expected.get("skipped_lines").asLong());
        assertPercentile(s, "50", expected.get("p50_ns").asLong());
        assertPercentile(s, "99", expected.get("p99_ns").asLong());
        // Those that --percentiles asks for, computed by expected.py from the sorted samples.
        JsonNode custom = expected.get("percentiles_ns");
        Percentiles asked = Percentiles.parse(String.join(",", (Iterable<String>) custom::fieldNames));
        Summary chosen = Summary.of("summary", "perf", "replay", 1, stats, false, 0, asked);
        assertThat(chosen.percentiles()).hasSize(custom.size());
        for (Summary.PercentileFigure f : chosen.percentiles()) {
            assertPercentile(chosen, f.percentile().label().substring(1), custom.get(f.percentile().label().substring(1)).asLong());
        }

        // Every task expected.py ranks first must be there with the same count (ties may order differently).
        List<Summary.ProcessLine> top = Summary.of("summary", "perf", "replay", 1, stats, false, Integer.MAX_VALUE).topProcesses();
        JsonNode tasks = expected.get("top_tasks");
        for (int i = 0; i < tasks.size(); i++) {
            JsonNode task = tasks.get(i);
            long pid = task.get("pid").asLong();
            String comm = task.get("comm").asText();
            long count = task.get("count").asLong();
            assertThat(top).as("task %s %s", pid, comm)
                    .anySatisfy(p -> {
                        assertThat((long) p.pid()).isEqualTo(pid);
                        assertThat(p.comm()).isEqualTo(comm);
                        assertThat(p.count()).isEqualTo(count);
                    });
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pipe", "messaging", "names", "pipe-6.12", "names-6.12", "live-pipe"})
    void nanosecondTracesGiveNoWarning(String name) throws Exception {
        Replayed r = replay(name + ".txt");
        assertThat(TraceVerdict.warnings(r.outcome(), r.stats().skippedLines())).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void microsecondTimestampsAreWarnedAbout() throws Exception {
        Replayed r = replay("pipe-us.txt");
        assertThat(r.outcome().microsecondsOnly()).isTrue();
        assertThat(TraceVerdict.warnings(r.outcome(), 0)).singleElement().asString().contains("microsecond").contains("--ns");
    }

    @ParameterizedTest
    @ValueSource(strings = {"names.txt", "names-6.12.txt"})
    void namesWithSpacesColonsBracketsAndForeignBytesStayWhole(String fixture) throws Exception {
        LatencyStats stats = replay(fixture).stats();
        List<String> names = stats.processes().top(50).stream().map(p -> p.comm()).toList();
        assertThat(names).contains("Web Content 9", "a:b [1] c", "caf\u00e9 \u2603", "bad\uFFFD\uFFFDname");
    }

    @org.junit.jupiter.api.Test
    void perf61AndPerf612PrintTheSameRecordingToTheSameFigures() throws Exception {
        for (String name : new String[] {"pipe", "names"}) {
            LatencyStats old = replay(name + ".txt").stats();
            LatencyStats recent = replay(name + "-6.12.txt").stats();
            assertThat(recent.total().count()).isEqualTo(old.total().count());
            assertThat(recent.total().sumNs()).isEqualTo(old.total().sumNs());
            assertThat(recent.distribution()).isEqualTo(old.distribution());
            assertThat(recent.unpaired()).isEqualTo(old.unpaired());
        }
    }

    @org.junit.jupiter.api.Test
    void aTraceOfSchedSwitchLinesOnlyIsRefusedWithHowToRecordOne() throws Exception {
        Replayed r = replay("schedonly.txt");
        assertThat(r.outcome().schedSwitchOnly()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TraceVerdict.requireUsable(r.outcome(), "schedonly.txt"))
                .hasMessageContaining("--switch-events").hasMessageContaining("perf script --ns --show-switch-events");
    }
}
