package io.ctxswitch.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.stats.BinCounts;
import io.ctxswitch.core.stats.LatencyStats;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryAndJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Every field of a summary, in the order it is written: README.md's "JSON" section's names, extended (never
     * renamed) with kind, host, kernel, percentile_relative_error, the untimed counts, process_table_overflow, by_kind, filters and filtered. Scripts rely on them;
     * a field added, dropped or moved must show up here.
     */
    private static final List<String> CONTRACT = List.of("kind", "backend", "probe", "host", "kernel", "duration_ns", "count", "min_ns",
            "max_ns", "mean_ns", "stddev_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "percentile_relative_error",
            "unpaired", "no_switch", "untimed", "untimed_no_start", "untimed_no_end", "lost", "skipped_lines", "process_table_overflow", "histogram", "per_cpu", "top_processes",
            "by_kind", "top_cgroups", "other_cgroups_count", "cgroup_table_overflow", "filters", "filtered", "slower_ns", "outliers", "outliers_lost");

    private static LatencyStats sample() {
        return sample(new LatencyStats());
    }

    /** Samples 10, 20 ... 10000 ns on CPUs 0 and 1, into tasks 100, 101 and 102; 2 unpaired, 5 no-switch. */
    private static LatencyStats sample(LatencyStats stats) {
        for (int i = 1; i <= 1000; i++) {
            stats.record(i % 2, i * 10L, i % 3 + 100, i % 3 + 100, "task " + i % 3);
        }
        stats.addUnpaired(2);
        stats.addNoSwitch(5);
        return stats;
    }

    @Test
    void jsonCarriesEveryContractFieldWithExactFigures() throws Exception {
        // a task table of two: the third task's samples (i % 3 == 2: 333 of them) are counted, not attributed
        Summary s = Summary.of("summary", "libbpf", "sched-tp", 5_000_000_000L, sample(new LatencyStats(2)), true, 2);
        JsonNode json = JSON.readTree(new JsonRenderer().render(s));
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        assertThat(names).containsExactlyElementsOf(CONTRACT);
        assertThat(json.get("kind").asText()).isEqualTo("summary");
        assertThat(json.get("percentile_relative_error").asDouble()).isEqualTo(0.01);
        assertThat(json.get("process_table_overflow").asLong()).isEqualTo(333);
        assertThat(json.get("skipped_lines").asLong()).isZero();
        assertThat(json.get("duration_ns").asLong()).isEqualTo(5_000_000_000L);
        assertThat(json.get("backend").asText()).isEqualTo("libbpf");
        assertThat(json.get("count").asLong()).isEqualTo(1000);
        assertThat(json.get("min_ns").asLong()).isEqualTo(10);
        assertThat(json.get("max_ns").asLong()).isEqualTo(10_000);
        assertThat(json.get("mean_ns").asDouble()).isEqualTo(5_005.0);
        assertThat(json.get("unpaired").asLong()).isEqualTo(2);
        assertThat(json.get("no_switch").asLong()).isEqualTo(5);
        assertThat(json.get("p50_ns").asLong()).isBetween(4_950L, 5_050L);
        assertThat(json.get("per_cpu")).hasSize(2);
        assertThat(json.get("per_cpu").get(1).get("cpu").asInt()).isEqualTo(1);
        assertThat(json.get("per_cpu").get(1).get("count").asLong()).isEqualTo(500);
        assertThat(json.get("top_processes")).hasSize(2);
        assertThat(json.get("top_processes").get(0).get("comm").asText()).startsWith("task ");
        long binned = 0;
        for (JsonNode bin : json.get("histogram")) {
            assertThat(bin.get("from_ns").asLong()).isLessThan(bin.get("to_ns").asLong());
            binned += bin.get("count").asLong();
        }
        assertThat(binned).isEqualTo(1000);
    }

    /** --per-cpu: each per_cpu entry carries its CPU's exact counts in the report's bins, adding up to its count. */
    @Test
    void perCpuEntriesCarryTheirHistogramWhereTheBackendKeepsOne() throws Exception {
        JsonNode json = JSON.readTree(new JsonRenderer().render(Summary.of("summary", "perf", "x", 1, sample(), true, 0)));
        for (JsonNode cpu : json.get("per_cpu")) {
            assertThat(cpu.fieldNames()).toIterable().containsExactly("cpu", "count", "min_ns", "max_ns", "mean_ns", "histogram");
            long binned = 0;
            for (JsonNode bin : cpu.get("histogram")) {
                assertThat(BinCounts.from(BinCounts.index(bin.get("from_ns").asLong()))).isEqualTo(bin.get("from_ns").asLong());
                binned += bin.get("count").asLong();
            }
            assertThat(binned).isEqualTo(cpu.get("count").asLong()).isEqualTo(500);
            // from the CPU's lowest bin to its highest: CPU 1 has 10, 30 ... 9990 ns
            JsonNode bins = cpu.get("histogram");
            assertThat(bins.get(0).get("count").asLong()).isPositive();
            assertThat(bins.get(bins.size() - 1).get("count").asLong()).isPositive();
        }
        assertThat(json.get("per_cpu").get(1).get("histogram").get(0).get("from_ns").asLong()).isEqualTo(10);

        // a backend that keeps exact figures per CPU but one histogram for all (bpftrace) has none to give
        LatencyStats aggregated = new LatencyStats();
        aggregated.addCpu(3, 10, 10_000, 900, 1_100);
        JsonNode none = JSON.readTree(new JsonRenderer().render(Summary.of("summary", "bpftrace", "x", 1, aggregated, true, 0)));
        assertThat(none.get("per_cpu").get(0).has("histogram")).isFalse();
        // without --per-cpu, no per_cpu entries at all
        assertThat(JSON.readTree(new JsonRenderer().render(Summary.of("summary", "perf", "x", 1, sample(), false, 0))).get("per_cpu")).isEmpty();
    }

    /**
     * The libbpf reader's bins of an interval can hold a switch whose exact figures close in the next
     * interval: the CPU is listed with its bins and empty exact figures, so no binned switch is lost.
     */
    @Test
    void aCpuWithBinnedSwitchesOnlyIsListedWithNullFigures() throws Exception {
        LatencyStats part = new LatencyStats();
        part.addCpu(0, 2, 2_000, 900, 1_100);
        part.addToDistribution(1_000, 3);
        part.addToCpuBins(0, BinCounts.index(1_000), 2);
        part.addToCpuBins(1, BinCounts.index(5_000), 1);
        Summary s = Summary.of("interval", "libbpf", "x", 1, part, true, 0);
        JsonNode cpu1 = JSON.readTree(new JsonRenderer().render(s)).get("per_cpu").get(1);
        assertThat(cpu1.get("cpu").asInt()).isEqualTo(1);
        assertThat(cpu1.get("count").asLong()).isZero();
        assertThat(cpu1.get("min_ns").isNull()).isTrue();
        assertThat(cpu1.get("mean_ns").isNull()).isTrue();
        assertThat(cpu1.get("histogram").get(0).get("count").asLong()).isEqualTo(1);
        assertThat(new TextRenderer().render(s)).containsPattern("\\n\\s+1\\s+0\\s+-\\s+-\\s+-\\n");
    }

    /** Switches seen but not timed are reported apart, added up over parts, and never become samples. */
    @Test
    void untimedSwitchesAreReportedInJsonAndText() throws Exception {
        LatencyStats stats = sample();
        LatencyStats part = new LatencyStats();
        part.addUntimed(3, 4);
        stats.add(part);
        stats.addUntimed(0, 1);
        Summary s = Summary.of("summary", "libbpf", "fentry", 1_000, stats, false, 0);
        JsonNode json = JSON.readTree(new JsonRenderer().render(s));
        assertThat(json.get("untimed").asLong()).isEqualTo(8);
        assertThat(json.get("untimed_no_start").asLong()).isEqualTo(3);
        assertThat(json.get("untimed_no_end").asLong()).isEqualTo(5);
        assertThat(json.get("count").asLong()).isEqualTo(1000);
        assertThat(new TextRenderer().render(s)).contains("untimed: 8 switches seen by sched_switch but not measured (3 with no start seen, 5 with no end seen");
        String none = new TextRenderer().render(Summary.of("summary", "libbpf", "sched-tp", 1_000, sample(), false, 0));
        assertThat(none).doesNotContain("untimed");
        assertThat(JSON.readTree(new JsonRenderer().render(Summary.of("summary", "x", "y", 1, sample(), false, 0))).get("untimed").asLong())
                .isZero();
    }

    @Test
    void emptyMeasurementGivesNulls() throws Exception {
        Summary s = Summary.of("summary", "libbpf", "sched-tp", 1_000, new LatencyStats(), true, 5);
        JsonNode json = JSON.readTree(new JsonRenderer().render(s));
        assertThat(json.get("count").asLong()).isZero();
        for (String field : List.of("min_ns", "max_ns", "mean_ns", "stddev_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns")) {
            assertThat(json.get(field).isNull()).as(field).isTrue();
        }
        assertThat(json.get("histogram")).isEmpty();
        assertThat(json.get("per_cpu")).isEmpty();
        assertThat(new TextRenderer().render(s)).contains("no context switch was measured");
    }

    @Test
    void percentilesAreOrderedAndInsideMinAndMax() {
        Summary s = Summary.of("summary", "x", "y", 1, sample(), false, 0);
        List<Long> ordered = new ArrayList<>();
        ordered.add(s.minNs());
        s.percentiles().forEach(p -> ordered.add(p.ns()));
        ordered.add(s.maxNs());
        assertThat(ordered).hasSize(6).isSorted();
        assertThat(s.perCpu()).isEmpty();
        assertThat(s.topProcesses()).isEmpty();
    }

    @Test
    void textSummaryNamesBackendAndProbeAndShowsUnits() {
        String text = new TextRenderer().render(Summary.of("summary", "libbpf", "sched-tp", 2_000_000_000L, sample(), true, 1));
        assertThat(text).contains("backend libbpf, probe sched-tp");
        assertThat(text).contains("traced 2.00 s: 1,000 switches, 2 unpaired, 5 no-switch, 0 lost");
        assertThat(text).containsPattern("min\\s+10 ns");
        assertThat(text).containsPattern("max\\s+10.0 us");
        assertThat(text).contains("|@");
        assertThat(text).containsPattern("cpu\\s+count\\s+min\\s+mean\\s+max");
        assertThat(text).contains("task ");
    }

    @Test
    void filtersInForceAreSaidInTextAndJson() throws Exception {
        LatencyStats stats = sample();
        stats.addFiltered(77);
        io.ctxswitch.core.spi.SwitchFilter f = new io.ctxswitch.core.spi.SwitchFilter(new java.util.TreeSet<>(List.of(12, 40)),
                new java.util.TreeSet<>(), "a\"b", java.nio.file.Path.of("/cg/app"), new java.util.TreeSet<>(List.of(0, 1, 2, 3, 8)), true);
        Summary s = Summary.of("summary", "libbpf", "sched-tp", 1_000, stats, false, 0).withFilter(f);
        JsonNode json = JSON.readTree(new JsonRenderer().render(s));
        assertThat(json.get("filtered").asLong()).isEqualTo(77);
        assertThat(json.get("filters").toString())
                .isEqualTo("{\"pid\":[12,40],\"comm\":\"a\\\"b\",\"cgroup\":\"/cg/app\",\"cpus\":\"0-3,8\",\"exclude_idle\":true}");
        assertThat(new TextRenderer().render(s))
                .contains("filters: pid 12,40; comm 'a\"b'; cgroup /cg/app and below; cpus 0-3,8; exclude-idle (applied to the incoming task; 77 switches left out)");

        Summary plain = Summary.of("summary", "libbpf", "sched-tp", 1_000, sample(), false, 0);
        assertThat(JSON.readTree(new JsonRenderer().render(plain)).get("filters").isNull()).isTrue();
        assertThat(new TextRenderer().render(plain)).doesNotContain("filters:");
    }
}
