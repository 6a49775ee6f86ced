package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.testing.BpfPrograms;
import io.ctxswitch.core.testing.PinnedPingPong;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The jar traces for real, as the issue's acceptance runs it. */
class LiveTracingIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void needsACapableHost() throws Exception {
        LiveHost.assumeSchedTpCapable();
        if (!Jar.onPath("perf") || !Jar.onPath("taskset")) {
            Jar.skip("perf bench or taskset is missing (apt-get install linux-perf util-linux)");
        }
    }

    /** Builds bench/reftracer, the independent minimal tracer of the same interval. */
    private static Path referenceTracer() throws Exception {
        for (String tool : new String[] {"make", "clang", "bpftool", "gcc"}) {
            if (!Jar.onPath(tool)) {
                Jar.skip("cannot build the reference tracer without " + tool);
            }
        }
        Process make = new ProcessBuilder("make", "-s", "-C", Jar.ROOT.resolve("bench/reftracer").toString())
                .redirectErrorStream(true).start();
        String log = new String(make.getInputStream().readAllBytes());
        assertThat(make.waitFor()).as("building the reference tracer: " + log).isZero();
        return Jar.ROOT.resolve("target/reftracer/reftracer");
    }

    private static void pingPong(int loops) throws Exception {
        Process bench = new ProcessBuilder("taskset", "-c", "0", "perf", "bench", "sched", "pipe", "-l", Integer.toString(loops))
                .redirectErrorStream(true).start();
        String out = new String(bench.getInputStream().readAllBytes());
        assertThat(bench.waitFor()).as(out).isZero();
    }

    /**
     * ctxswitch and the reference tracer trace together, from before the ping-pong's threads start until
     * after they block for the last time, and are both stopped by a signal then: each thread's count is
     * the kernel's count for it, and the two means are over the same switches (but for those in the
     * moments between the two attaching and the two stopping). They differ by where each takes its clock
     * readings among the programs at the two ends of a switch, at most these programs' cost, which the
     * kernel measures in this run (see BpftraceContainerIT: twice the average over all runs).
     */
    @Test
    void jsonDuringAPinnedPingPongAgreesWithAnIndependentTracer() throws Exception {
        Path reftracer = referenceTracer();
        Set<Integer> programsBefore = BpfPrograms.costs().keySet();
        try (AutoCloseable stats = BpfPrograms.statsEnabled()) {
            long started = System.nanoTime();
            Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=libbpf", "--format=json", "--per-cpu", "--top=100000");
            Process reference = new ProcessBuilder(reftracer.toString(), "600").start();
            try {
                ctxswitch.awaitErr("tracing with libbpf", 60);
                byte[] attached = new byte[9];
                assertThat(reference.getErrorStream().readNBytes(attached, 0, 9)).isEqualTo(9);
                assertThat(new String(attached)).isEqualTo("attached\n");
                long tracing = System.nanoTime();
                PingPongFigures.Counted counted;
                Map<Integer, long[]> costs;
                Jar.Run run;
                try (PinnedPingPong workload = new PinnedPingPong()) {
                    workload.run(0, 20_000);
                    costs = BpfPrograms.costs(); // while the programs are loaded
                    new ProcessBuilder("kill", "-INT", Long.toString(reference.pid())).inheritIO().start().waitFor();
                    ctxswitch.signal("INT");
                    long signalled = System.nanoTime();
                    assertThat(reference.waitFor(30, TimeUnit.SECONDS)).isTrue();
                    run = ctxswitch.finish(60);
                    counted = PingPongFigures.count(workload);
                    long ended = System.nanoTime();
                    assertThat(run.exit()).as(run.err()).isZero();
                    assertThat(JSON.readTree(run.out()).get("duration_ns").asLong()).as("traced from attaching to the signal")
                            .isBetween(signalled - tracing, ended - started);
                }
                String refOut = new String(reference.getInputStream().readAllBytes());

                JsonNode json = JSON.readTree(run.out());
                assertThat(json.get("backend").asText()).isEqualTo("libbpf");
                assertThat(json.get("probe").asText()).startsWith("sched-tp");
                PingPongFigures.assertEachThreadMeasured(json, counted);
                long min = json.get("min_ns").asLong();
                long p50 = json.get("p50_ns").asLong();
                long p90 = json.get("p90_ns").asLong();
                long p99 = json.get("p99_ns").asLong();
                long p999 = json.get("p999_ns").asLong();
                long max = json.get("max_ns").asLong();
                assertThat(min).isPositive().isLessThanOrEqualTo(p50);
                assertThat(p50).isLessThanOrEqualTo(p90);
                assertThat(p90).isLessThanOrEqualTo(p99);
                assertThat(p99).isLessThanOrEqualTo(p999);
                assertThat(p999).isLessThanOrEqualTo(max);
                assertThat(json.get("per_cpu").findValuesAsText("cpu")).contains("0");

                Matcher ref = Pattern.compile("count (\\d+) sum_ns (\\d+) mean_ns ([\\d.]+)").matcher(refOut);
                assertThat(ref.find()).as(refOut).isTrue();
                double refMean = Double.parseDouble(ref.group(3));
                double mean = json.get("mean_ns").asDouble();
                double bound = 2 * BpfPrograms.costPerRun(costs, programsBefore, counted.total());
                System.out.printf("ctxswitch mean %.1f ns over %d switches; reference tracer mean %.1f ns over %s; bound %.0f ns%n",
                        mean, json.get("count").asLong(), refMean, ref.group(1), bound);
                assertThat(Long.parseLong(ref.group(1))).as("the reference tracer's count").isGreaterThanOrEqualTo(counted.total());
                assertThat(Math.abs(mean - refMean)).as("ctxswitch mean %.1f ns vs reference tracer mean %.1f ns", mean, refMean)
                        .isLessThanOrEqualTo(bound);
                assertThat(run.err()).doesNotContain("Exception");
            } finally {
                reference.destroyForcibly();
                ctxswitch.process.destroyForcibly();
            }
        }
    }

    @Test
    void ctrlCPrintsTheSummaryExitsZeroAndLeavesNoProgram() throws Exception {
        for (String signal : new String[] {"INT", "TERM"}) {
            java.util.Set<Integer> before = BpfPrograms.ours().keySet();
            Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--per-cpu", "--top=3");
            ctxswitch.awaitErr("press Ctrl+C to stop", 60);
            pingPong(5_000);
            ctxswitch.signal(signal);
            Jar.Run run = ctxswitch.finish(30);
            assertThat(run.exit()).as(signal + ": " + run.err()).isZero();
            assertThat(run.out()).contains("backend libbpf").containsPattern("min\\s+\\d")
                    .containsPattern("mean\\s+\\d").containsPattern("max\\s+\\d").contains("|@");
            assertThat(run.out() + run.err()).doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(BpfPrograms.leftSince(before, ctxswitch::owns)).as("programs left").isEmpty();
        }
    }

    @Test
    void sigintEndsTheTraceEvenWhenItWasInheritedAsIgnored() throws Exception {
        // As in a script's background job: `sh -c 'cmd &'` starts cmd with SIGINT ignored.
        Jar.Running ctxswitch = Jar.start(List.of("sh", "-c", "trap '' INT; exec \"$0\" \"$@\""), Map.of(), "--duration=60s");
        ctxswitch.awaitErr("tracing with", 60);
        ctxswitch.signal("INT");
        Jar.Run run = ctxswitch.finish(30);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("mean\\s+\\d");
    }

    @Test
    void intervalsPrintOneJsonObjectPerLineAndAddUpToTheSummary() throws Exception {
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--interval=1s", "--format=json");
        ctxswitch.awaitErr("tracing with", 60);
        PingPongFigures.Counted counted;
        Jar.Run run;
        try (PinnedPingPong workload = new PinnedPingPong()) {
            workload.run(0, 5_000);
            // at least one whole interval, however fast the ping-pong was
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.readString(ctxswitch.out).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            ctxswitch.signal("INT");
            run = ctxswitch.finish(60);
            counted = PingPongFigures.count(workload);
        }
        assertThat(run.exit()).as(run.err()).isZero();
        List<String> lines = run.out().strip().lines().toList();
        long intervals = 0;
        for (String line : lines.subList(0, lines.size() - 1)) {
            JsonNode interval = JSON.readTree(line);
            assertThat(interval.get("kind").asText()).isEqualTo("interval");
            intervals += interval.get("count").asLong();
        }
        JsonNode summary = JSON.readTree(lines.get(lines.size() - 1));
        assertThat(summary.get("kind").asText()).isEqualTo("summary");
        // one line a second, and one for the part of a second before the stop
        long wholeSeconds = summary.get("duration_ns").asLong() / 1_000_000_000L;
        assertThat((long) lines.size() - 1).as("intervals in %d ns", summary.get("duration_ns").asLong())
                .isBetween(wholeSeconds, wholeSeconds + 1);
        assertThat(summary.get("count").asLong()).isEqualTo(intervals)
                .isGreaterThanOrEqualTo(counted.total() - summary.get("unpaired").asLong() - summary.get("lost").asLong());
    }

    @Test
    void autoSaysWhichBackendItChoseAndWhy() throws Exception {
        Jar.Run run = Jar.run("--duration=1s");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).contains("backend auto: using libbpf (");
        Jar.Run list = Jar.run("--list-backends");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).containsPattern("libbpf\\s+available");
    }
}
