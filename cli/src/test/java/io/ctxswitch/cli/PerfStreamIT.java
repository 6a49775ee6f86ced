package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.testing.PinnedPingPong;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The perf backend read while perf records: figures per interval and served to a scraper during the
 * run, each covering a pinned ping-pong's switches as the kernel counted them (/proc/PID/status)
 * before the run is stopped; and a perf record killed with -9 leaves the figures read until then.
 */
@Timeout(240)
class PerfStreamIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROUND_TRIPS = 20_000;
    private static final Pattern COUNT = Pattern.compile("(?m)^ctxswitch_latency_seconds_count(?:\\{[^}]*\\})? (\\S+)$");

    @BeforeEach
    void needsPerfAndRoot() throws Exception {
        if (!LiveHost.root()) {
            Jar.skip("perf record -a needs root");
        }
        if (!Jar.onPath("perf")) {
            Jar.skip("perf is missing (apt-get install linux-perf)");
        }
        if (!Files.isDirectory(Path.of("/sys/kernel/tracing/events/sched/sched_switch"))) {
            Jar.skip("tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)");
        }
    }

    /** The switches in the interval lines printed so far (JSON, one per line; a line still being written is left for later). */
    private static long intervalCounts(Path out) throws IOException {
        String text = Files.readString(out, StandardCharsets.UTF_8);
        long sum = 0;
        for (String line : text.substring(0, text.lastIndexOf('\n') + 1).lines().toList()) {
            JsonNode node = JSON.readTree(line);
            if (node.path("kind").asText().equals("interval")) {
                sum += node.get("count").asLong();
            }
        }
        return sum;
    }

    interface Reading {
        long get() throws Exception;
    }

    /** Waits until {@code reading} reaches {@code at least}, bounded; returns the last reading. */
    private static long awaitAtLeast(String what, Reading reading, long atLeast, Jar.Running ctxswitch) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long value = reading.get();
        while (value < atLeast) {
            if (System.nanoTime() > deadline || !ctxswitch.process.isAlive()) {
                throw new AssertionError(what + ": " + value + " after 60 s, wanted at least " + atLeast + "; stderr: " + ctxswitch.err());
            }
            Thread.sleep(100);
            value = reading.get();
        }
        return value;
    }

    @Test
    void intervalsCoverThePingPongWhileItRunsAndAddUpToTheSummary() throws Exception {
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=perf", "--interval=1s", "--format=json", "--top=100000");
        ctxswitch.awaitErr("press Ctrl+C to stop", 60);
        PingPongFigures.Counted counted;
        long readWhileTracing;
        Jar.Run run;
        try (PinnedPingPong workload = new PinnedPingPong()) {
            workload.run(0, ROUND_TRIPS);
            long kernel = workload.kernelSwitches();
            // Before any stop: the intervals printed while perf still records hold at least as many switches.
            readWhileTracing = awaitAtLeast("switches in the intervals printed", () -> intervalCounts(ctxswitch.out), kernel, ctxswitch);
            ctxswitch.signal("INT");
            run = ctxswitch.finish(120);
            counted = PingPongFigures.count(workload);
        }
        assertThat(run.exit()).as(run.err()).isZero();
        List<String> lines = run.out().strip().lines().toList();
        JsonNode summary = JSON.readTree(lines.get(lines.size() - 1));
        assertThat(summary.get("kind").asText()).isEqualTo("summary");
        assertThat(lines.size() - 1).as("interval lines").isGreaterThanOrEqualTo(1);
        assertThat(summary.get("count").asLong()).as("the intervals add up to the summary").isEqualTo(intervalCounts(ctxswitch.out))
                .isGreaterThanOrEqualTo(readWhileTracing);
        PingPongFigures.assertEachThreadMeasured(summary, counted);
        System.out.printf("perf --interval: kernel %d ping-pong switches; %d read while tracing; summary %d, unpaired %d, lost %d%n",
                counted.total(), readWhileTracing, summary.get("count").asLong(), summary.get("unpaired").asLong(),
                summary.get("lost").asLong());
    }

    private static String scrape(int port) throws IOException {
        return Loopback.get("http://127.0.0.1:" + port + "/metrics", null);
    }

    /** The served ctxswitch_latency_seconds_count; 0 while there is no sample yet (no series then). */
    private static long scrapedCount(int port) throws IOException {
        Matcher m = COUNT.matcher(scrape(port));
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void servesThePingPongsSwitchesWhilePerfRecords() throws Exception {
        int port = Loopback.freePort();
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=perf", "--serve=" + port, "--format=json");
        ctxswitch.awaitErr("serving http://127.0.0.1:" + port + "/metrics", 60);
        assertThat(scrape(port)).containsPattern("ctxswitch_info\\{[^}]*backend=\"perf\"[^}]*\\} 1");
        long before = scrapedCount(port);
        long kernel;
        long served;
        try (PinnedPingPong workload = new PinnedPingPong()) {
            workload.run(0, ROUND_TRIPS);
            kernel = workload.kernelSwitches();
            served = awaitAtLeast("the served count's increase", () -> scrapedCount(port) - before, kernel, ctxswitch);
        }
        long last = scrapedCount(port) - before;
        assertThat(last).as("a counter never decreases").isGreaterThanOrEqualTo(served);
        ctxswitch.signal("TERM");
        Jar.Run run = ctxswitch.finish(120);
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode summary = JSON.readTree(run.out());
        assertThat(summary.get("backend").asText()).isEqualTo("perf");
        assertThat(summary.get("count").asLong()).as("the summary holds what was served").isGreaterThanOrEqualTo(before + last);
        System.out.printf("perf --serve: kernel %d ping-pong switches; served increase %d; summary %d, unpaired %d, lost %d%n",
                kernel, last, summary.get("count").asLong(), summary.get("unpaired").asLong(), summary.get("lost").asLong());
    }

    /**
     * perf record killed with -9 once the ping-pong's switches have been read (the intervals say so):
     * they stay in the figures, followed by one line saying what happened (exit 3).
     */
    @Test
    void perfKilledMidRunLeavesWhatWasReadAndSaysSoInOneLine() throws Exception {
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=perf", "--interval=1s", "--format=json", "--top=100000");
        ctxswitch.awaitErr("press Ctrl+C to stop", 60);
        List<ProcessHandle> perf = ctxswitch.started("perf record");
        assertThat(perf).as("the perf record this ctxswitch started").hasSize(1);
        PingPongFigures.Counted counted;
        long readBeforeTheKill;
        Jar.Run run;
        try (PinnedPingPong workload = new PinnedPingPong()) {
            workload.run(0, ROUND_TRIPS);
            readBeforeTheKill = awaitAtLeast("switches in the intervals printed", () -> intervalCounts(ctxswitch.out),
                    workload.kernelSwitches(), ctxswitch);
            new ProcessBuilder("kill", "-KILL", Long.toString(perf.get(0).pid())).inheritIO().start().waitFor();
            run = ctxswitch.finish(120);
            counted = PingPongFigures.count(workload);
        }
        assertThat(run.exit()).as(run.err()).isEqualTo(3);
        assertThat(run.err()).contains("ctxswitch: perf record was killed (signal 9) while tracing; the figures are those of what"
                + " it had written until then").doesNotContain("Exception");
        List<String> lines = run.out().strip().lines().toList();
        JsonNode summary = JSON.readTree(lines.get(lines.size() - 1));
        assertThat(summary.get("count").asLong()).isGreaterThanOrEqualTo(readBeforeTheKill);
        PingPongFigures.assertEachThreadMeasured(summary, counted);
        assertThat(ctxswitch.left("perf", 30)).as("no perf left").isEmpty();
    }
}
