package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.testing.PinnedPingPong;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** --backend=perf records for real, leaves nothing behind, and its recording replays to the same figures. */
@Timeout(300)
class PerfLiveIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeEach
    void needsPerfAndRoot() throws Exception {
        if (!LiveHost.root()) {
            Jar.skip("perf record -a needs root");
        }
        if (!Jar.onPath("perf") || !Jar.onPath("taskset")) {
            Jar.skip("perf or taskset is missing (apt-get install linux-perf util-linux)");
        }
        if (!Files.isDirectory(Path.of("/sys/kernel/tracing/events/sched/sched_switch"))) {
            Jar.skip("tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)");
        }
    }

    /** perf's private directories (ctxswitch-DIGITS) in the temporary directory now. */
    private static List<String> ourTempDirs() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("ctxswitch-\\d+")).sorted().toList();
        }
    }

    private static void pingPong(int loops) throws Exception {
        Process bench = new ProcessBuilder("taskset", "-c", "0", "perf", "bench", "sched", "pipe", "-l", Integer.toString(loops))
                .redirectErrorStream(true).redirectOutput(new File("/dev/null")).start();
        assertThat(bench.waitFor()).isZero();
    }

    /** The private directories made since {@code before} and still there: others' may come and go meanwhile. */
    private static List<String> newTempDirs(List<String> before) throws Exception {
        return ourTempDirs().stream().filter(n -> !before.contains(n)).toList();
    }

    @Test
    void recordsAPingPongAndLeavesNoFileBehind() throws Exception {
        List<String> before = ourTempDirs();
        Path recording = dir.resolve("kept.data");
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=perf", "--format=json",
                "--per-cpu", "--top=100000", "--record=" + recording);
        ctxswitch.awaitErr("press Ctrl+C to stop", 60);
        PingPongFigures.Counted counted;
        Jar.Run run;
        try (PinnedPingPong workload = new PinnedPingPong()) {
            workload.run(0, 20_000);
            ctxswitch.signal("INT");
            run = ctxswitch.finish(120);
            counted = PingPongFigures.count(workload);
        }
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode json = JSON.readTree(run.out());
        assertThat(json.get("backend").asText()).isEqualTo("perf");
        PingPongFigures.assertEachThreadMeasured(json, counted);
        assertThat(json.get("min_ns").asLong()).isPositive().isLessThanOrEqualTo(json.get("p50_ns").asLong());
        assertThat(json.get("p999_ns").asLong()).isLessThanOrEqualTo(json.get("max_ns").asLong());
        assertThat(json.get("per_cpu").findValuesAsText("cpu")).contains("0");
        assertThat(newTempDirs(before)).as("no private directory left").isEmpty();
        assertThat(Path.of("perf.data")).doesNotExist();

        Jar.Run replay = Jar.run("--replay=" + recording, "--format=json");
        assertThat(replay.exit()).as(replay.err()).isZero();
        JsonNode replayed = JSON.readTree(replay.out());
        assertThat(replayed.get("count").asLong()).isEqualTo(json.get("count").asLong());
        assertThat(replayed.get("probe").asText()).contains("a perf.data file");
    }

    @Test
    void ctrlCStopsPerfAndPrintsTheSummary() throws Exception {
        List<String> before = ourTempDirs();
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=perf");
        ctxswitch.awaitErr("press Ctrl+C to stop", 60);
        assertThat(ctxswitch.started("perf record")).as("the perf record it started").isNotEmpty();
        PinnedPingPong.once(0, 5_000);
        ctxswitch.signal("INT");
        Jar.Run run = ctxswitch.finish(120);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("backend perf").containsPattern("mean\\s+\\d");
        assertThat(newTempDirs(before)).as("no private directory left").isEmpty();
        assertThat(ctxswitch.left("perf", 10)).as("no perf left").isEmpty();
    }

    /**
     * Ctrl+C on a terminal signals the whole foreground process group: perf, in a session of its own,
     * does not get it, so it cannot end on its own first and look like a perf that died.
     */
    @Test
    void ctrlCOnTheTerminalStopsPerfThroughCtxswitch() throws Exception {
        Jar.Running ctxswitch = Jar.start(List.of("setsid"), Map.of(), "--backend=perf", "--format=json", "--top=100000");
        ctxswitch.awaitErr("press Ctrl+C to stop", 60);
        PingPongFigures.Counted counted;
        Jar.Run run;
        try (PinnedPingPong workload = new PinnedPingPong()) {
            workload.run(0, 10_000);
            new ProcessBuilder("kill", "-INT", "--", "-" + ctxswitch.process.pid()).inheritIO().start().waitFor();
            run = ctxswitch.finish(120);
            counted = PingPongFigures.count(workload);
        }
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).doesNotContain("while tracing").doesNotContain("warning");
        PingPongFigures.assertEachThreadMeasured(JSON.readTree(run.out()), counted);
    }

    /**
     * A second Ctrl+C while the recording is still being read (perf script over 400000 switches
     * takes seconds) exits at once, 130, and still leaves no private directory and no perf behind.
     */
    @Test
    void aSecondCtrlCWhileTheRecordingIsReadLeavesNothing() throws Exception {
        List<String> before = ourTempDirs();
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=perf");
        ctxswitch.awaitErr("press Ctrl+C to stop", 60);
        pingPong(200_000);
        ctxswitch.signal("INT");
        Thread.sleep(500);
        ctxswitch.signal("INT");
        Jar.Run run = ctxswitch.finish(60);
        assertThat(run.exit()).as(run.err()).isEqualTo(130);
        assertThat(run.err()).contains("interrupted again, exiting without a summary");
        assertThat(newTempDirs(before)).as("the private directory is removed even so").isEmpty();
        // perf record and perf script end through setpriv's parent-death signal, just after us
        assertThat(ctxswitch.left("perf", 30)).as("no perf left").isEmpty();
    }

    /**
     * perf records in its pipe format, written as it goes and read as it comes: killed mid-run, it
     * leaves what it wrote, which becomes the figures, followed by the error (exit 3). (PerfStreamIT
     * kills it once the intervals show the ping-pong was read.)
     */
    @Test
    void perfKilledMidRunGivesTheFiguresItWroteAndAClearError() throws Exception {
        List<String> before = ourTempDirs();
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=perf", "--format=json", "--top=100000");
        ctxswitch.awaitErr("press Ctrl+C to stop", 60);
        List<ProcessHandle> perf = ctxswitch.started("perf record");
        assertThat(perf).as("the perf record this ctxswitch started").hasSize(1);
        PingPongFigures.Counted counted;
        Jar.Run run;
        try (PinnedPingPong workload = new PinnedPingPong()) {
            workload.run(0, 20_000);
            Thread.sleep(1500); // perf writes what its buffers hold at least every half second
            new ProcessBuilder("kill", "-KILL", Long.toString(perf.get(0).pid())).inheritIO().start().waitFor();
            run = ctxswitch.finish(60);
            counted = PingPongFigures.count(workload);
        }
        assertThat(run.exit()).as(run.err()).isEqualTo(3);
        assertThat(run.err()).contains("perf record was killed (signal 9) while tracing; the figures are those of what it had"
                + " written until then").doesNotContain("Exception");
        JsonNode json = JSON.readTree(run.out());
        // The switches perf wrote before the kill: the ping-pong's, which ended 1.5 s before it, are
        // among them (some at least: perf may not have written them all), never more than the kernel's.
        for (int i = 0; i < 2; i++) {
            assertThat(PingPongFigures.task(json, counted.tids()[i]).get("count").asLong()).as("task %d's switches", counted.tids()[i])
                    .isPositive().isLessThanOrEqualTo(counted.kernel()[i]);
        }
        assertThat(newTempDirs(before)).as("no private directory left").isEmpty();
    }

    /** ctxswitch itself killed (-9): perf record, under setpriv --pdeathsig, does not trace on alone. */
    @Test
    void perfDoesNotOutliveAKilledCtxswitch() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
            Jar.skip("setpriv is missing (apt-get install util-linux)");
        }
        List<String> before = ourTempDirs();
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=perf");
        ctxswitch.awaitErr("press Ctrl+C to stop", 60);
        assertThat(ctxswitch.started("perf record")).as("the perf record it started").isNotEmpty();
        ctxswitch.signal("KILL");
        ctxswitch.finish(60);
        assertThat(ctxswitch.left("perf", 30)).as("no perf record left").isEmpty();
        for (String name : newTempDirs(before)) { // a killed JVM cannot remove its private directory
            {
                new ProcessBuilder("rm", "-rf", Path.of(System.getProperty("java.io.tmpdir"), name).toString()).start().waitFor();
            }
        }
    }
}
