package io.ctxswitch.bpftrace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.report.Percentiles;
import io.ctxswitch.core.report.Summary;
import io.ctxswitch.core.stats.LatencyStats;
import io.ctxswitch.core.stats.ProcessStats;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden tests on real output of our script: bpftrace 0.17 on Linux 6.1 (kprobe and fentry, JSON
 * and text, recorded in the VM of vm/linux61.sh) and bpftrace 0.23 on Linux 6.18 (sched-tp, JSON and
 * text; with the snapshots it prints once a second: stopped, killed -9, and that killed one cut in
 * the middle of its last snapshot). The expected figures come from expected.py, which reads the same
 * files independently.
 */
class BpftraceResultTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static BpftraceResult read(String fixture) throws IOException {
        BpftraceResult result = new BpftraceResult();
        try (InputStream in = BpftraceResultTest.class.getResourceAsStream("/bpftrace/" + fixture)) {
            result.readAll(in, () -> false, line -> { });
        }
        return result;
    }

    @ParameterizedTest
    @ValueSource(strings = {"kprobe-0.17-linux6.1-top.json.txt", "kprobe-0.17-linux6.1.text.txt", "fentry-0.17-linux6.1.json.txt",
            "schedtp-0.23-linux6.18-top.json.txt", "schedtp-0.23-linux6.18-top.text.txt",
            "schedtp-0.23-linux6.18-top-snapshots.json.txt", "schedtp-0.23-linux6.18-killed.json.txt",
            "schedtp-0.23-linux6.18-killed-mid-snapshot.json.txt", "schedtp-0.23-linux6.18-kind.json.txt"})
    void figuresMatchTheIndependentReading(String fixture) throws IOException {
        JsonNode expected;
        try (InputStream in = getClass().getResourceAsStream("/bpftrace/" + fixture.replace(".txt", ".expected.json"))) {
            expected = JSON.readTree(in);
        }
        BpftraceResult result = read(fixture);
        LatencyStats stats = result.stats();
        assertThat(result.probe()).isEqualTo(expected.get("probe").asText());
        assertThat(result.attached()).isTrue();
        assertThat(result.elapsedNs()).isEqualTo(expected.get("elapsed_ns").isNull() ? -1 : expected.get("elapsed_ns").asLong());
        assertThat(result.ended()).isEqualTo(!expected.get("elapsed_ns").isNull());
        assertThat(stats.total().count()).isEqualTo(expected.get("count").asLong());
        assertThat(stats.total().sumNs()).isEqualTo(expected.get("sum_ns").asLong());
        assertThat(stats.total().minNs()).isEqualTo(expected.get("min_ns").asLong());
        assertThat(stats.total().maxNs()).isEqualTo(expected.get("max_ns").asLong());
        assertThat(stats.perCpu()).hasSize(expected.get("cpus").asInt());
        assertThat(stats.distribution().getTotalCount()).isEqualTo(expected.get("histogram_count").asLong());
        assertThat(stats.unpaired()).isEqualTo(expected.get("unpaired").asLong());
        assertThat(stats.noSwitch()).isEqualTo(expected.get("no_switch").asLong());
        assertThat(stats.skippedLines()).isZero();
        assertThat(stats.processes().size()).isEqualTo(expected.get("tasks").asInt());
        if (expected.get("tasks").asInt() > 0) {
            ProcessStats top = stats.processes().top(1).get(0);
            assertThat(top.latency().count()).isEqualTo(expected.get("top_task_count").asLong());
            assertThat(top.comm()).isEqualTo(expected.get("top_task_comm").asText());
        }
        // Each percentile --percentiles asks for lies in the bucket that expected.py found to hold its
        // sample: bpftrace's output has only the kernel's buckets (at most 1/128 wide), so a percentile
        // is known to its bucket, no closer; HdrHistogram (three significant digits) may report up to
        // 0.1 % above the value it was given.
        JsonNode buckets = expected.get("percentile_buckets_ns");
        Percentiles asked = Percentiles.parse(String.join(",", (Iterable<String>) buckets::fieldNames));
        Summary s = Summary.of("summary", "bpftrace", "replay", 1, stats, false, 0, asked);
        assertThat(s.percentiles()).hasSize(buckets.size());
        for (Summary.PercentileFigure f : s.percentiles()) {
            JsonNode bucket = buckets.get(f.percentile().label().substring(1));
            long from = bucket.get(0).asLong();
            long to = bucket.get(1).asLong();
            assertThat(f.ns()).as("%s, in the bucket [%d, %d)", f.percentile(), from, to).isBetween(from, to - 1 + to / 1000);
        }
        // The median lies in the bucket that expected.py found to hold the median sample; HdrHistogram
        // (three significant digits) may report up to 0.1 % above the value it was given.
        long low = expected.get("p50_bucket_low_ns").asLong();
        long high = expected.get("p50_bucket_high_ns").asLong();
        assertThat(stats.distribution().getValueAtPercentile(50)).as("p50, in the bucket [%d, %d)", low, high)
                .isBetween(low, high - 1 + high / 1000);
    }

    /** The fixtures recorded with --by=kind (their BEGIN says "ctxswitch: by kind"). */
    static final String[] KIND_FIXTURES = {"schedtp-0.23-linux6.18-kind.json.txt"};

    /**
     * --by=kind: each kind's exact figures and bucket count are expected.py's reading of the maps keyed by CPU and
     * kind; the kinds add up exactly to the total, in the report too (every kind, in SwitchKind's order). Read
     * without --by=kind, the same output gives the same totals and no breakdown.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("kindFixtures")
    void kindsMatchTheIndependentReadingAndAddUpToTheTotal(String fixture) throws IOException {
        JsonNode expected;
        try (InputStream in = getClass().getResourceAsStream("/bpftrace/" + fixture.replace(".txt", ".expected.json"))) {
            expected = JSON.readTree(in).get("kinds");
        }
        BpftraceResult result = new BpftraceResult();
        result.classifyKinds();
        try (InputStream in = getClass().getResourceAsStream("/bpftrace/" + fixture)) {
            result.readAll(in, () -> false, line -> { });
        }
        assertThat(result.kindsRecorded()).isTrue();
        LatencyStats stats = result.stats();
        assertThat(stats.kinds().classified()).isTrue();
        assertThat(stats.skippedLines()).isZero();
        long sum = 0;
        int kindsSeen = 0;
        for (io.ctxswitch.core.model.SwitchKind kind : io.ctxswitch.core.model.SwitchKind.values()) {
            JsonNode e = expected.get(kind.label());
            io.ctxswitch.core.stats.ExactStats got = stats.kinds().stats(kind);
            assertThat(got.count()).as(kind.label()).isEqualTo(e.get("count").asLong());
            assertThat(got.sumNs()).as(kind.label()).isEqualTo(e.get("sum_ns").asLong());
            if (got.count() > 0) {
                kindsSeen++;
                assertThat(got.minNs()).as(kind.label()).isEqualTo(e.get("min_ns").asLong());
                assertThat(got.maxNs()).as(kind.label()).isEqualTo(e.get("max_ns").asLong());
            }
            assertThat(stats.kinds().distributionOf(kind).getTotalCount()).as(kind.label()).isEqualTo(e.get("histogram_count").asLong());
            sum += got.count();
        }
        assertThat(kindsSeen).as("kinds with switches in the recording").isGreaterThanOrEqualTo(4);
        assertThat(sum).as("the kinds' counts").isEqualTo(stats.total().count()).isPositive();
        Summary s = Summary.of("summary", "bpftrace", "replay", 1, stats, false, 0, Percentiles.DEFAULT);
        assertThat(s.byKind()).extracting(Summary.KindLine::kind).containsExactly(io.ctxswitch.core.model.SwitchKind.values());
        assertThat(s.byKind().stream().mapToLong(Summary.KindLine::count).sum()).isEqualTo(s.count());

        LatencyStats plain = read(fixture).stats();
        assertThat(plain.kinds().classified()).as("read without --by=kind").isFalse();
        assertThat(plain.total().count()).isEqualTo(stats.total().count());
        assertThat(plain.total().sumNs()).isEqualTo(stats.total().sumNs());
        assertThat(plain.perCpu()).hasSameSizeAs(stats.perCpu());
    }

    static String[] kindFixtures() {
        return KIND_FIXTURES;
    }

    @org.junit.jupiter.api.Test
    void idleTasksStayOnePerCpu() throws IOException {
        List<ProcessStats> idle = read("kprobe-0.17-linux6.1-top.json.txt").stats().processes().top(Integer.MAX_VALUE).stream()
                .filter(p -> p.pid() == 0).toList();
        assertThat(idle).extracting(ProcessStats::comm).containsExactlyInAnyOrder("swapper/0", "swapper/1");
    }

    /**
     * --slower: the outliers lost are those the probes emitted (the count in the final maps) less those read, whatever
     * became of them: reported lost by bpftrace (here 2, "Lost 2 events", which the count already includes) or dropped
     * unreported at SIGINT (the other 3). So printed + lost is the count, and the lost events are not counted twice;
     * text and JSON alike. Lost events beyond the outliers lost (here none) were the script's other output, in lost.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void outliersLostAreTheEmittedLessThoseReadIncludingTheLostEvents(boolean json) {
        List<String> lines = new java.util.ArrayList<>(List.of("ctxswitch bpftrace script: probe sched-tp", "ctxswitch: attached"));
        for (int i = 0; i < 4; i++) {
            lines.add("ctxswitch outlier " + (7000 + i) + " 0 20000 4321 1 4322 1 1\tping\tpong");
        }
        lines.addAll(List.of("Lost 2 events", "ctxswitch: elapsed ns 5000000000", "@ctxsw_n[0]: 100", "@ctxsw_sum[0]: 400000",
                "@ctxsw_min[0]: 1000", "@ctxsw_max[0]: 30000", "@ctxsw_hist[0]: 91", "@ctxsw_hist[200]: 9", "@ctxsw_outliers: 9"));
        BpftraceResult result = new BpftraceResult();
        List<io.ctxswitch.core.model.Outlier> read = new java.util.ArrayList<>();
        result.watchOutliers(read::add, new io.ctxswitch.core.model.WallClock(0, 1_000_000_000_000L),
                new io.ctxswitch.core.host.CgroupPaths(List.of()));
        for (String line : lines) {
            result.accept(json ? asJson(line) : line);
        }
        LatencyStats stats = result.stats();
        assertThat(read).hasSize(4);
        assertThat(stats.outliersLost()).isEqualTo(5);
        assertThat(stats.lost()).isEqualTo(5);
        assertThat(stats.skippedLines()).isZero();
    }

    /** Without the final maps (bpftrace killed before its END) only the events bpftrace reported lost are known. */
    @org.junit.jupiter.api.Test
    void withoutTheFinalMapsTheOutliersLostAreTheLostEvents() {
        BpftraceResult result = new BpftraceResult();
        result.watchOutliers(o -> { }, new io.ctxswitch.core.model.WallClock(0, 1_000_000_000_000L),
                new io.ctxswitch.core.host.CgroupPaths(List.of()));
        for (String line : List.of("ctxswitch bpftrace script: probe sched-tp", "ctxswitch outlier 7 0 20000 4321 1 4322 1 1\tping\tpong",
                "Lost 3 events")) {
            result.accept(line);
        }
        assertThat(result.stats().outliersLost()).isEqualTo(3);
        assertThat(result.stats().lost()).isEqualTo(3);
    }

    /** One text line as bpftrace -f json prints it. */
    private static String asJson(String text) {
        java.util.regex.Matcher map = java.util.regex.Pattern.compile("(@\\w+)(?:\\[(\\d+)\\])?: (\\d+)").matcher(text);
        if (map.matches()) {
            return "{\"type\": \"map\", \"data\": {\"" + map.group(1) + "\": "
                    + (map.group(2) == null ? map.group(3) : "{\"" + map.group(2) + "\": " + map.group(3) + "}") + "}}";
        }
        if (text.startsWith("Lost ")) {
            return "{\"type\": \"lost_events\", \"data\": {\"events\": " + text.split(" ")[1] + "}}";
        }
        return "{\"type\": \"printf\", \"data\": \"" + text.replace("\t", "\\t") + "\\n\"}";
    }

    @org.junit.jupiter.api.Test
    void damagedLinesAreSkippedAndCountedTheRestKept() {
        BpftraceResult result = new BpftraceResult();
        for (String line : List.of("ctxswitch bpftrace script: probe sched-tp", "@ctxsw_n[0]: 3", "garbage here",
                "{\"type\": \"map\", \"data\": {\"@ctxsw_sum\": {\"0\": 30}}}", "{\"type\": \"map\", \"data\": {broken",
                "@ctxsw_min[0]: 5", "@ctxsw_max[0]: 15", "@ctxsw_hist[10]: 3", "@ctxsw_n[0]: 99999999999999999999")) {
            result.accept(line);
        }
        LatencyStats stats = result.stats();
        assertThat(stats.total().count()).isEqualTo(3);
        assertThat(stats.total().meanNs()).isEqualTo(10.0);
        assertThat(stats.skippedLines()).isEqualTo(3);
    }

    @org.junit.jupiter.api.Test
    void aLineTooLongToHoldIsSkippedAndTheReadingGoesOn() throws IOException {
        String text = "@ctxsw_n[0]: 2\n" + "x".repeat(BoundedLineReader.MAX_LINE + 1) + "\n@ctxsw_sum[0]: 10\n"
                + "@ctxsw_min[0]: 4\n@ctxsw_max[0]: 6\n";
        BpftraceResult result = new BpftraceResult();
        List<String> taken = new java.util.ArrayList<>();
        result.readAll(new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII)), () -> false, taken::add);
        assertThat(taken).containsExactly("@ctxsw_n[0]: 2", "@ctxsw_sum[0]: 10", "@ctxsw_min[0]: 4", "@ctxsw_max[0]: 6");
        LatencyStats stats = result.stats();
        assertThat(stats.total().count()).isEqualTo(2);
        assertThat(stats.skippedLines()).isEqualTo(1);
    }

    @org.junit.jupiter.api.Test
    void aStopRequestEndsTheReading() throws IOException {
        BpftraceResult result = new BpftraceResult();
        List<String> taken = new java.util.ArrayList<>();
        result.readAll(new java.io.ByteArrayInputStream("@ctxsw_n[0]: 2\n@ctxsw_n[1]: 3\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                () -> !taken.isEmpty(), taken::add);
        assertThat(taken).containsExactly("@ctxsw_n[0]: 2");
    }

    /**
     * A kprobe script's snapshot holds no histogram (BpftraceScript.snapshotMaps): a bpftrace killed
     * after it leaves the exact figures and counters, and an empty distribution, said so, rather than
     * percentiles from nothing. The last complete snapshot counts, not the one cut off.
     */
    @org.junit.jupiter.api.Test
    void aKprobeSnapshotHasExactFiguresButNoDistribution() {
        BpftraceResult result = new BpftraceResult();
        for (String line : List.of("{\"type\": \"printf\", \"data\": \"ctxswitch bpftrace script: probe kprobe\\n\"}",
                "{\"type\": \"printf\", \"data\": \"ctxswitch: attached\\n\"}",
                "{\"type\": \"printf\", \"data\": \"ctxswitch: snapshot\\n\"}",
                "{\"type\": \"map\", \"data\": {\"@ctxsw_n\": {\"0\": 4, \"1\": 2}}}",
                "{\"type\": \"map\", \"data\": {\"@ctxsw_sum\": {\"0\": 4000, \"1\": 8000}}}",
                "{\"type\": \"map\", \"data\": {\"@ctxsw_min\": {\"0\": 500, \"1\": 3000}}}",
                "{\"type\": \"map\", \"data\": {\"@ctxsw_max\": {\"0\": 2000, \"1\": 5000}}}",
                "{\"type\": \"map\", \"data\": {\"@ctxsw_unpaired\": 1}}",
                "{\"type\": \"map\", \"data\": {\"@ctxsw_untimed_start\": 3}}",
                "{\"type\": \"printf\", \"data\": \"ctxswitch: snapshot end, elapsed ns 2000000000\\n\"}",
                "{\"type\": \"printf\", \"data\": \"ctxswitch: snapshot\\n\"}",
                "{\"type\": \"map\", \"data\": {\"@ctxsw_n\": {\"0\": 9, \"1\": 9}}}")) {
            result.accept(line);
        }
        LatencyStats stats = result.stats();
        assertThat(result.ended()).isFalse();
        assertThat(stats.total().count()).isEqualTo(6);
        assertThat(stats.total().meanNs()).isEqualTo(2000.0);
        assertThat(stats.total().minNs()).isEqualTo(500);
        assertThat(stats.total().maxNs()).isEqualTo(5000);
        assertThat(stats.unpaired()).isEqualTo(1);
        assertThat(stats.untimedNoStart()).isEqualTo(3);
        assertThat(stats.distribution().getTotalCount()).isZero();
        assertThat(result.hasDistribution()).isFalse();
        assertThat(BpftraceSource.without(false, result.hasDistribution())).isEqualTo(", without percentiles");
        assertThat(BpftraceSource.without(true, result.hasDistribution())).isEqualTo(", without per-task figures or percentiles");
    }

    /** The sched-tp script's snapshots hold the histogram; so do the final maps of every mode. */
    @org.junit.jupiter.api.Test
    void snapshotsWithTheHistogramAndFinalMapsHaveTheirDistribution() throws IOException {
        for (String fixture : List.of("schedtp-0.23-linux6.18-killed.json.txt", "kprobe-0.17-linux6.1-top.json.txt")) {
            BpftraceResult result = read(fixture);
            assertThat(result.hasDistribution()).as(fixture).isTrue();
            assertThat(result.stats().distribution().getTotalCount()).as(fixture).isEqualTo(result.stats().total().count());
        }
        assertThat(BpftraceSource.without(false, true)).isEmpty();
        assertThat(BpftraceSource.without(true, true)).isEqualTo(", without per-task figures");
    }
}
