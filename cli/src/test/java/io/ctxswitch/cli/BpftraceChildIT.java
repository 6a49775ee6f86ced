package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.testing.StandIn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the bpftrace backend treats its child in every phase, with stand-ins for bpftrace (small
 * shell scripts that answer --version like 0.23 and then behave as a test needs): a failure before
 * attaching, a stop that must make it print its maps, a child killed mid-run, an old bpftrace.
 * The real bpftrace is tested in BpftraceContainerIT and, for 0.17, in Linux61IT.
 */
class BpftraceChildIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    @BeforeEach
    void needsRoot() throws Exception {
        if (!LiveHost.root()) {
            Jar.skip("the bpftrace backend needs root (bpftrace refuses anyone else)");
        }
    }

    /** A stand-in: answers --version with {@code version}, and otherwise runs {@code body}. */
    private Path fake(String version, String body) throws Exception {
        return StandIn.write(dir.resolve("bpftrace"), "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'bpftrace " + version + "'; exit 0; fi\n"
                + "if [ \"$1\" = --info ]; then echo '  fentry: yes'; exit 0; fi\n"
                + "printf '%s\\n' \"$@\" > " + dir.resolve("args") + "\n" + body + "\n");
    }

    private static final String ATTACHED = "printf '%s\\n' '{\"type\": \"printf\", \"data\": \"ctxswitch bpftrace script: probe sched-tp\\n\"}'\n"
            + "printf '%s\\n' '{\"type\": \"printf\", \"data\": \"ctxswitch: attached\\n\"}'\n";
    /** What the script prints when stopped: END's line, then bpftrace prints the maps. */
    private static final String END_AND_MAPS = "printf '%s\\n' '{\"type\": \"printf\", \"data\": \"ctxswitch: elapsed ns 3000000000\\n\"}'\n";
    private static final String MAPS = "printf '%s\\n' '{\"type\": \"map\", \"data\": {\"@ctxsw_n\": {\"0\": 4, \"1\": 2}}}'\n"
            + "printf '%s\\n' '{\"type\": \"map\", \"data\": {\"@ctxsw_sum\": {\"0\": 4000, \"1\": 8000}}}'\n"
            + "printf '%s\\n' '{\"type\": \"map\", \"data\": {\"@ctxsw_min\": {\"0\": 500, \"1\": 3000}}}'\n"
            + "printf '%s\\n' '{\"type\": \"map\", \"data\": {\"@ctxsw_max\": {\"0\": 2000, \"1\": 5000}}}'\n"
            + "printf '%s\\n' '{\"type\": \"map\", \"data\": {\"@ctxsw_hist\": {\"1000\": 6}}}'\n"
            + "printf '%s\\n' '{\"type\": \"map\", \"data\": {\"@ctxsw_unpaired\": 1}}'\n";

    @Test
    void aFailureBeforeAttachingShowsBpftracesOwnError() throws Exception {
        Path fake = fake("v0.23.2", "echo 'WARNING: something harmless' >&2\necho 'ERROR: Could not resolve symbol: /proc/self/exe:BEGIN_trigger' >&2\nexit 1");
        Jar.Run run = Jar.run("--backend=bpftrace", "--bpftrace=" + fake, "--duration=2s");
        assertThat(run.exit()).as(run.err()).isEqualTo(3);
        assertThat(run.err().strip()).isEqualTo("ctxswitch: bpftrace stopped before attaching its probes (exit status 1):"
                + " ERROR: Could not resolve symbol: /proc/self/exe:BEGIN_trigger");
    }

    @Test
    void stoppingMakesItPrintItsMapsWhichBecomeTheSummary() throws Exception {
        Path fake = fake("v0.23.2", "trap '" + (END_AND_MAPS + MAPS).replace("'", "'\\''") + " exit 0' TERM INT\n" + ATTACHED + "while :; do sleep 0.1; done");
        Jar.Running running = Jar.start(List.of(), Map.of(), "--backend=bpftrace", "--bpftrace=" + fake, "--format=json");
        running.awaitErr("tracing with bpftrace", 60);
        running.signal("TERM");
        Jar.Run run = running.finish(60);
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode s = JSON.readTree(run.out());
        assertThat(s.get("count").asLong()).isEqualTo(6);
        assertThat(s.get("mean_ns").asDouble()).isEqualTo(2000.0);
        assertThat(s.get("min_ns").asLong()).isEqualTo(500);
        assertThat(s.get("max_ns").asLong()).isEqualTo(5000);
        assertThat(s.get("unpaired").asLong()).isEqualTo(1);
        assertThat(s.get("probe").asText()).startsWith("sched-tp in bpftrace");
        // no shell: bpftrace got the script as one argument, with JSON output asked for
        List<String> args = Files.readAllLines(dir.resolve("args"));
        assertThat(args.subList(0, 4)).containsExactly("-f", "json", "--no-warnings", "-e");
        assertThat(String.join("\n", args.subList(4, args.size()))).startsWith("BEGIN { printf(\"ctxswitch bpftrace script: probe sched-tp");
        assertThat(running.left(fake.toString(), 10)).as("no bpftrace left").isEmpty();
    }

    @Test
    void aChildKilledMidRunIsAClearErrorNotAHang() throws Exception {
        Path fake = fake("v0.23.2", ATTACHED + "echo $$ > " + dir.resolve("pid") + "\nwhile :; do sleep 0.1; done");
        Jar.Run run = killedOnceTracing("--backend=bpftrace", "--bpftrace=" + fake);
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("ctxswitch: bpftrace ended before it was stopped (killed by signal 9);"
                + " nothing it measured can be shown").doesNotContain("Exception");
    }

    /** Killed after a snapshot: its figures, then the error, exit 3. */
    @Test
    void aChildKilledAfterASnapshotLeavesThatSnapshotsFigures() throws Exception {
        String snapshot = "printf '%s\\n' '{\"type\": \"printf\", \"data\": \"ctxswitch: snapshot\\n\"}'\n" + MAPS
                + "printf '%s\\n' '{\"type\": \"printf\", \"data\": \"ctxswitch: snapshot end, elapsed ns 2000000000\\n\"}'\n";
        Path fake = fake("v0.23.2", ATTACHED + snapshot + "echo $$ > " + dir.resolve("pid") + "\nwhile :; do sleep 0.1; done");
        Jar.Run run = killedOnceTracing("--backend=bpftrace", "--bpftrace=" + fake, "--format=json");
        assertThat(run.exit()).as(run.err()).isEqualTo(3);
        JsonNode s = JSON.readTree(run.out());
        assertThat(s.get("count").asLong()).isEqualTo(6);
        assertThat(s.get("mean_ns").asDouble()).isEqualTo(2000.0);
        assertThat(run.err()).contains("ctxswitch: bpftrace ended before it was stopped (killed by signal 9);"
                + " the figures are those of its last snapshot, 2 s after it started").doesNotContain("Exception");
    }

    /**
     * Killed after a snapshot without the histogram (the fentry and kprobe scripts leave it out; this
     * machine has no kprobes): the exact figures, no percentiles, and the error line says so.
     */
    @Test
    void aSnapshotWithoutTheHistogramLeavesNoPercentilesAndSaysSo() throws Exception {
        String attached = ATTACHED.replace("probe sched-tp", "probe fentry");
        String snapshot = "printf '%s\\n' '{\"type\": \"printf\", \"data\": \"ctxswitch: snapshot\\n\"}'\n"
                + MAPS.lines().filter(l -> !l.contains("@ctxsw_hist")).map(l -> l + "\n").collect(java.util.stream.Collectors.joining())
                + "printf '%s\\n' '{\"type\": \"printf\", \"data\": \"ctxswitch: snapshot end, elapsed ns 2000000000\\n\"}'\n";
        Path fake = fake("v0.17.0", attached + snapshot + "echo $$ > " + dir.resolve("pid") + "\nwhile :; do sleep 0.1; done");
        Jar.Run run = killedOnceTracing("--backend=bpftrace", "--probe=fentry", "--bpftrace=" + fake, "--format=json", "--top=5");
        assertThat(run.exit()).as(run.err()).isEqualTo(3);
        JsonNode s = JSON.readTree(run.out());
        assertThat(s.get("count").asLong()).isEqualTo(6);
        assertThat(s.get("mean_ns").asDouble()).isEqualTo(2000.0);
        assertThat(s.get("max_ns").asLong()).isEqualTo(5000);
        assertThat(s.get("p50_ns").isNull()).as("no percentile without a histogram: %s", s).isTrue();
        assertThat(run.err()).contains("the figures are those of its last snapshot, 2 s after it started,"
                + " without per-task figures or percentiles").doesNotContain("Exception");
    }

    /** SIGTERM while bpftrace still compiles (here: a stand-in that takes 30 s): ends at once, exit 0. */
    @Test
    void aStopWhileBpftraceCompilesEndsAtOnce() throws Exception {
        Path fake = fake("v0.23.2", "sleep 30\n" + ATTACHED + "while :; do sleep 0.1; done");
        Jar.Running running = Jar.start(List.of(), Map.of(), "--backend=bpftrace", "--bpftrace=" + fake, "--format=json");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(dir.resolve("args")) && System.nanoTime() < deadline) {
            Thread.sleep(50); // the stand-in has started: bpftrace would now be compiling
        }
        running.signal("TERM");
        long t0 = System.nanoTime();
        Jar.Run run = running.finish(60);
        assertThat(System.nanoTime() - t0).as("not the 30 s of compiling").isLessThan(java.util.concurrent.TimeUnit.SECONDS.toNanos(15));
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).contains("ctxswitch: stopped before tracing began; nothing was measured").doesNotContain("Exception");
        assertThat(JSON.readTree(run.out()).get("count").asLong()).isZero();
        assertThat(running.left(fake.toString(), 10)).as("no bpftrace left").isEmpty();
    }

    /**
     * Ctrl+C on a terminal signals the whole foreground process group. bpftrace runs in a session of
     * its own, so only ctxswitch gets it, and stops bpftrace itself: here a stand-in that would exit
     * without its maps on SIGINT, and print them on SIGTERM.
     */
    @Test
    void ctrlCOnTheTerminalReachesCtxswitchOnly() throws Exception {
        Path fake = fake("v0.23.2", "trap 'exit 1' INT\ntrap '" + (END_AND_MAPS + MAPS).replace("'", "'\\''") + " exit 0' TERM\n" + ATTACHED
                + "while :; do sleep 0.1; done");
        Jar.Running running = Jar.start(List.of("setsid"), Map.of(), "--backend=bpftrace", "--bpftrace=" + fake, "--format=json");
        running.awaitErr("tracing with bpftrace", 60);
        new ProcessBuilder("kill", "-INT", "--", "-" + running.process.pid()).inheritIO().start().waitFor();
        Jar.Run run = running.finish(60);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(JSON.readTree(run.out()).get("count").asLong()).isEqualTo(6);
    }

    @Test
    void tooOldABpftraceIsNamed() throws Exception {
        Path fake = fake("v0.16.0", "exit 0");
        Jar.Run run = Jar.run("--backend=bpftrace", "--bpftrace=" + fake, "--duration=1s");
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err().strip()).isEqualTo("ctxswitch: bpftrace v0.16.0 is too old: the bpftrace backend needs v0.17.0 or later");
    }

    @Test
    void itsOutputRecordedWithRecordReplaysToTheSameFigures() throws Exception {
        Path fake = fake("v0.23.2", "trap '" + (END_AND_MAPS + MAPS).replace("'", "'\\''") + " exit 0' TERM INT\n" + ATTACHED + "while :; do sleep 0.1; done");
        Path recording = dir.resolve("kept.bpftrace");
        Jar.Running running = Jar.start(List.of(), Map.of(), "--backend=bpftrace", "--bpftrace=" + fake, "--format=json",
                "--record=" + recording);
        running.awaitErr("tracing with bpftrace", 60);
        running.signal("INT");
        Jar.Run live = running.finish(60);
        assertThat(live.exit()).as(live.err()).isZero();
        Jar.Run replay = Jar.run("--replay=" + recording, "--format=json");
        assertThat(replay.exit()).as(replay.err()).isZero();
        JsonNode a = JSON.readTree(live.out());
        JsonNode b = JSON.readTree(replay.out());
        for (String field : List.of("count", "mean_ns", "min_ns", "max_ns", "p50_ns", "unpaired")) {
            assertThat(b.get(field)).as(field).isEqualTo(a.get(field));
        }
        assertThat(b.get("probe").asText()).startsWith("sched-tp in bpftrace").contains("replay of");
    }

    /** Runs ctxswitch with {@code args} and kills its stand-in bpftrace with -9 (by the pid it wrote) once tracing. */
    private Jar.Run killedOnceTracing(String... args) throws Exception {
        Jar.Running running = Jar.start(List.of(), Map.of(), args);
        running.awaitErr("tracing with bpftrace", 60);
        while (!Files.exists(dir.resolve("pid"))) {
            Thread.sleep(50);
        }
        long pid = Long.parseLong(Files.readString(dir.resolve("pid")).strip());
        new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
        return running.finish(60);
    }
}
