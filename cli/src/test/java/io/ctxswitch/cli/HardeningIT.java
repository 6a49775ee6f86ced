package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.testing.BpfPrograms;
import io.ctxswitch.core.testing.PinnedPingPong;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Two instances at once, environments with a piece missing (made real in a private mount namespace,
 * so the machine itself is untouched), and signals at every moment of start-up: nothing is left
 * behind and every exit says what happened.
 */
class HardeningIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void pingPong(int loops) throws Exception {
        Process bench = new ProcessBuilder("taskset", "-c", "0", "perf", "bench", "sched", "pipe", "-l", Integer.toString(loops))
                .redirectErrorStream(true).redirectOutput(new File("/dev/null")).start();
        assertThat(bench.waitFor()).isZero();
    }

    private static void needsPerf() {
        if (!Jar.onPath("perf") || !Jar.onPath("taskset")) {
            Jar.skip("perf or taskset is missing (apt-get install linux-perf util-linux)");
        }
    }

    private static List<Path> privateDirectories() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().matches("ctxswitch-\\d+")).toList();
        }
    }

    /**
     * What {@code runs}, started after {@code programsBefore} and {@code dirsBefore} (our programs' ids and
     * the private directories then), left behind: programs, processes they started, directories.
     */
    private static List<String> leftovers(java.util.Set<Integer> programsBefore, List<Path> dirsBefore, Jar.Running... runs)
            throws Exception {
        List<String> found = new ArrayList<>();
        java.util.Set<Integer> programs = BpfPrograms.leftSince(programsBefore,
                pid -> java.util.Arrays.stream(runs).anyMatch(run -> run.owns(pid)));
        if (!programs.isEmpty()) {
            found.add("BPF programs " + programs);
        }
        for (Jar.Running run : runs) {
            for (String process : run.left("", 10)) {
                found.add("process " + process);
            }
        }
        for (Path dir : privateDirectories()) {
            if (!dirsBefore.contains(dir)) {
                found.add("temporary directory " + dir);
            }
        }
        return found;
    }

    @Test
    void twoInstancesAtOnceEachMeasureEverything() throws Exception {
        LiveHost.assumeSchedTpCapable();
        java.util.Set<Integer> before = BpfPrograms.ours().keySet();
        List<Path> dirsBefore = privateDirectories();
        Jar.Running first = Jar.start(List.of(), Map.of(), "--format=json", "--top=100000");
        Jar.Running second = Jar.start(List.of(), Map.of(), "--format=json");
        first.awaitErr("press Ctrl+C to stop", 60);
        second.awaitErr("press Ctrl+C to stop", 60);
        PingPongFigures.Counted counted;
        JsonNode a;
        JsonNode b;
        try (PinnedPingPong workload = new PinnedPingPong()) {
            workload.run(0, 20_000);
            first.signal("INT");
            second.signal("INT");
            a = JSON.readTree(first.finish(60).out());
            b = JSON.readTree(second.finish(60).out());
            counted = PingPongFigures.count(workload);
        }
        // each saw every switch into the ping-pong's threads, whatever the other did meanwhile
        PingPongFigures.assertEachThreadMeasured(a, counted);
        assertThat(b.get("count").asLong()).as("the second's count; the kernel counted %d for the ping-pong", counted.total())
                .isGreaterThanOrEqualTo(counted.total() - b.get("unpaired").asLong() - b.get("lost").asLong());
        assertThat(b.get("top_processes")).isEmpty();
        assertThat(leftovers(before, dirsBefore, first, second)).isEmpty();
        try (Stream<Path> pinned = Files.walk(Path.of("/sys/fs/bpf"))) {
            assertThat(pinned.map(Path::toString)).noneMatch(p -> p.contains("ctxsw") || p.contains("cpus") || p.contains("procs"));
        } catch (java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException noBpffs) {
            // no bpffs: nothing can be pinned
        }
    }

    /** Runs the jar in a private mount namespace after {@code setup} (shell commands, e.g. mounts). */
    private static Jar.Run inNamespace(String setup, String... args) throws Exception {
        if (!LiveHost.root() || !Jar.onPath("unshare")) {
            Jar.skip("a private mount namespace needs root and unshare (util-linux)");
        }
        return Jar.start(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", setup + " && exec \"$0\" \"$@\""),
                Map.of(), args).finish(120);
    }

    private static void assertEnvironmentError(Jar.Run run, String... mentions) {
        assertThat(run.exit()).as(run.err()).isEqualTo(3);
        String err = run.err().strip();
        assertThat(err.lines().count()).as(err).isEqualTo(1);
        for (String mention : mentions) {
            assertThat(err).contains(mention);
        }
    }

    @Test
    void noBtfSaysWhatTheKernelNeeds() throws Exception {
        Jar.Run run = inNamespace("mount -t tmpfs none /sys/kernel/btf", "--backend=libbpf", "--duration=1s");
        assertEnvironmentError(run, "has no BTF", "CONFIG_DEBUG_INFO_BTF");
    }

    @Test
    void noTracefsSaysHowToMountIt() throws Exception {
        Jar.Run run = inNamespace("mount -t tmpfs none /sys/kernel/tracing && mount -t tmpfs none /sys/kernel/debug",
                "--backend=perf", "--duration=1s");
        assertEnvironmentError(run, "tracefs", "mount -t tracefs nodev /sys/kernel/tracing");
    }

    @Test
    void perfMissingSaysWhichPackage() throws Exception {
        assertEnvironmentError(Jar.run("--backend=perf", "--perf=/nonexistent/perf", "--duration=1s"), "/nonexistent/perf");
        Jar.Run noPath = Jar.start(List.of(), Map.of("PATH", "/nonexistent"), "--backend=perf", "--duration=1s").finish(60);
        assertEnvironmentError(noPath, "perf is not installed", "apt-get install linux-perf");
    }

    @Test
    void autoFallsBackToPerfWhenLibbpfCannotRunAndSaysWhy() throws Exception {
        if (!LiveHost.root()) {
            Jar.skip("perf record -a needs root");
        }
        needsPerf();
        Jar.Run run = Jar.start(List.of(), Map.of("CTXSWITCH_LIBBPF", "/nonexistent/libbpf.so.1"), "--duration=1s",
                "--format=json").finish(120);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).contains("backend auto: using perf").contains("not libbpf: libbpf (/nonexistent/libbpf.so.1) could not be loaded");
        assertThat(JSON.readTree(run.out()).get("backend").asText()).isEqualTo("perf");
    }

    @Test
    void perfsTemporaryDirectoryIsPrivate() throws Exception {
        if (!LiveHost.root()) {
            Jar.skip("perf record -a needs root");
        }
        needsPerf();
        java.util.Set<Integer> before = BpfPrograms.ours().keySet();
        List<Path> dirsBefore = privateDirectories();
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=perf", "--duration=3s");
        ctxswitch.awaitErr("tracing with perf", 60);
        List<Path> dirs = new ArrayList<>(privateDirectories());
        dirs.removeAll(dirsBefore);
        assertThat(dirs).as("its private directory").isNotEmpty();
        for (Path dir : dirs) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        }
        assertThat(ctxswitch.finish(60).exit()).isZero();
        assertThat(leftovers(before, dirsBefore, ctxswitch)).isEmpty();
    }

    /**
     * Ctrl+C at moments spread over start-up (JVM start, loading, attaching, right after) and mid-run:
     * exit 0 with a summary once the trap is in place, or 130 before; nothing left behind either way.
     */
    @Test
    void aSignalAtAnyMomentOfStartUpLeavesNothingBehind() throws Exception {
        LiveHost.assumeSchedTpCapable();
        needsPerf();
        for (String backend : new String[] {"libbpf", "perf"}) {
            for (int delayMs = 100; delayMs <= 1900; delayMs += 200) {
                java.util.Set<Integer> before = BpfPrograms.ours().keySet();
                List<Path> dirsBefore = privateDirectories();
                Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=" + backend, "--format=json");
                Thread.sleep(delayMs);
                ctxswitch.signal("INT");
                Jar.Run run = ctxswitch.finish(60);
                String what = backend + " interrupted after " + delayMs + " ms: " + run.err();
                assertThat(run.exit()).as(what).isIn(0, 130);
                if (run.exit() == 0) {
                    assertThat(JSON.readTree(run.out()).get("backend").asText()).as(what).isEqualTo(backend);
                }
                assertThat(run.err()).as(what).doesNotContain("Exception");
                assertThat(leftovers(before, dirsBefore, ctxswitch)).as(what).isEmpty();
            }
        }
    }
}
