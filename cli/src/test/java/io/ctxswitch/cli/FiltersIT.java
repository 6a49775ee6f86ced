package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The filters applied in the kernel by the libbpf backend (issue 15): a pipe ping-pong "inside"
 * (pinned to CPU 0, named inside-pp) and another load "outside" (CPU 1, outside-pp) run while
 * ctxswitch traces with one filter. The tasks the filter keeps have each of their switches measured
 * (within a few percent of the kernel's own count, and never more); no other task has any.
 *
 * <p>Both loads are stopped while ctxswitch starts and again before it stops, so that between the two
 * stops the switches into each task are exactly the growth of the kernel's count for it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FiltersIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Switches into the inside ping-pong to wait for: each round trip is at least two. */
    private static final long SWITCHES_WANTED = 40_000;
    /** "Within a few percent" of the kernel's count. */
    private static final double SHARE = 0.97;

    @RegisterExtension
    static final CgroupV2 CGROUPS = new CgroupV2("filters-cgroup2");

    @BeforeEach
    void needsACapableHost() {
        LiveHost.assumeSchedTpCapable();
        ForkedLoad.assumeStartable("filters test");
    }

    /** What one traced run left: ctxswitch's summary, and per process of the loads the switches into it. */
    private record Traced(JsonNode summary, ForkedLoad inside, ForkedLoad outside, Map<Integer, Long> kernel) {
        long measured(int pid) {
            for (JsonNode p : summary.get("top_processes")) {
                if (p.get("pid").asInt() == pid) {
                    return p.get("count").asLong();
                }
            }
            return 0;
        }

        Set<Integer> tasksMeasured() {
            Set<Integer> pids = new java.util.TreeSet<>();
            summary.get("top_processes").forEach(p -> pids.add(p.get("pid").asInt()));
            return pids;
        }

        /**
         * The switches into the outside load's {@code role} task were left out and counted as such: {@code filtered}
         * holds at least as many (every switch the filter rejects, of any task, is counted there; docs/filters.md).
         */
        void assertFilteredOut(String role) {
            long kernel = this.kernel.get(outside.pid(role));
            assertThat(summary.get("filtered").asLong()).as("switches into the outside %s, filtered out: the kernel counted %d", role, kernel)
                    .isGreaterThanOrEqualTo(kernel);
        }

        /** Each of {@code pids} had each of its switches measured, within a few percent, never more. */
        void assertMeasured(List<Integer> pids) {
            for (int pid : pids) {
                long kernel = this.kernel.get(pid);
                assertThat(measured(pid)).as("switches into %d: the kernel counted %d", pid, kernel)
                        .isBetween((long) Math.floor(kernel * SHARE), kernel);
            }
        }
    }

    /**
     * Runs ctxswitch with {@code filter} while the inside ping-pong runs on CPU 0 and the outside load
     * ({@code outsideRoles}) on CPU 1. {@code whileStopped} runs once ctxswitch traces, before the loads resume.
     */
    private static Traced trace(List<String> filter, String[] outsideRoles, LoadStep whileStopped) throws Exception {
        return trace(filter, outsideRoles, whileStopped, null);
    }

    /** {@link #trace} with {@code witness}, the arguments of a second ctxswitch traced over the same window, or null. */
    private static Traced trace(List<String> filter, String[] outsideRoles, LoadStep whileStopped, List<String> witness) throws Exception {
        return trace(filter, "outside-pp", outsideRoles, whileStopped, witness);
    }

    /** {@link #trace} with the outside load's tasks named {@code outsideName}. */
    private static Traced trace(List<String> filter, String outsideName, String[] outsideRoles, LoadStep whileStopped, List<String> witness)
            throws Exception {
        try (ForkedLoad inside = new ForkedLoad("inside-pp", 0, "ping", "pong");
             ForkedLoad outside = new ForkedLoad(outsideName, 1, outsideRoles)) {
            inside.stop();
            outside.stop();
            return traceStopped(filter, inside, outside, whileStopped, witness);
        }
    }

    /** {@link #trace} with loads already started and stopped. */
    private static Traced traceStopped(List<String> filter, ForkedLoad inside, ForkedLoad outside, LoadStep whileStopped,
                                       List<String> witnessArgs) throws Exception {
        Map<Integer, Long> before = ForkedLoad.kernelSwitches(inside, outside);
        List<String> args = new ArrayList<>(List.of("--backend=libbpf", "--format=json", "--top=100000", "--per-cpu"));
        args.addAll(filter);
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), args.toArray(String[]::new));
        Jar.Running witness = witnessArgs == null ? null : Jar.start(List.of(), Map.of(), witnessArgs.toArray(String[]::new));
        try {
            ctxswitch.awaitErr("tracing with libbpf", 60);
            if (witness != null) {
                witness.awaitErr("tracing with", 60);
            }
            whileStopped.run(inside, outside);
            inside.runUntil("ping", before.get(inside.pid("ping")) + SWITCHES_WANTED / 2, outside);
            ctxswitch.signal("INT");
            if (witness != null) {
                witness.signal("INT");
                Jar.Run witnessed = witness.finish(120);
                assertThat(witnessed.exit()).as(witnessed.err()).isZero();
            }
            Jar.Run run = ctxswitch.finish(60);
            // Read once ctxswitch has stopped: a task shows as stopped just before its last switch away.
            Map<Integer, Long> after = ForkedLoad.kernelSwitches(inside, outside);
            assertThat(run.exit()).as(run.err()).isZero();
            Map<Integer, Long> grown = new HashMap<>();
            after.forEach((pid, n) -> grown.put(pid, n - before.get(pid)));
            Traced traced = new Traced(JSON.readTree(run.out()), inside, outside, grown);
            System.out.printf("%s: %d switches measured, %d filtered out; per task measured/kernel: %s%n", filter,
                    traced.summary().get("count").asLong(), traced.summary().get("filtered").asLong(), grown.keySet().stream()
                            .map(pid -> pid + " " + traced.measured(pid) + "/" + grown.get(pid)).collect(Collectors.joining(", ")));
            return traced;
        } finally {
            ctxswitch.process.destroyForcibly();
            if (witness != null) {
                witness.process.destroyForcibly();
            }
        }
    }

    interface LoadStep {
        void run(ForkedLoad inside, ForkedLoad outside) throws Exception;
    }

    private static List<Integer> pingPong(ForkedLoad load) {
        return List.of(load.pid("ping"), load.pid("pong"));
    }

    /** --cgroup: the inside load moves into a cgroup created below the one filtered on after tracing began. */
    @Test
    void cgroupCountsTheTasksOfACgroupCreatedBelowItAfterStartAndNoOthers() throws Exception {
        Path app = CGROUPS.create("app");
        Path late = CGROUPS.removeAfterTest(app.resolve("late"));
        Traced t = trace(List.of("--cgroup=" + app), new String[] {"ping", "pong"}, (inside, outside) -> {
            Files.createDirectory(late);
            inside.moveTo(late);
        });
        assertThat(t.summary().get("filters").get("cgroup").asText()).isEqualTo(app.toString());
        t.assertMeasured(pingPong(t.inside()));
        assertThat(t.tasksMeasured()).as("tasks measured").isSubsetOf(t.inside().pids());
        t.assertFilteredOut("ping");
    }

    @Test
    void pidCountsTheProcessesNamedAndNoOthers() throws Exception {
        List<Integer> wanted = new ArrayList<>();
        Traced t = traceNaming(wanted, load -> pingPong(load), "--pid=");
        t.assertMeasured(wanted);
        assertThat(t.tasksMeasured()).isEqualTo(new java.util.TreeSet<>(wanted));
        t.assertFilteredOut("ping");
        assertThat(t.summary().get("filters").get("pid")).hasSize(2);
    }

    @Test
    void tidCountsTheThreadNamedAndNoOthers() throws Exception {
        List<Integer> wanted = new ArrayList<>();
        Traced t = traceNaming(wanted, load -> List.of(load.pid("ping")), "--tid=");
        t.assertMeasured(wanted);
        assertThat(t.tasksMeasured()).isEqualTo(Set.copyOf(wanted));
        t.assertFilteredOut("ping");
    }

    /** Runs with {@code option} naming the ids {@code which} picks from the inside load (known once it started). */
    private static Traced traceNaming(List<Integer> wanted, java.util.function.Function<ForkedLoad, List<Integer>> which, String option)
            throws Exception {
        // The ids exist only once the load runs: started first, stopped, then named to ctxswitch.
        try (ForkedLoad inside = new ForkedLoad("inside-pp", 0, "ping", "pong");
             ForkedLoad outside = new ForkedLoad("outside-pp", 1, "ping", "pong")) {
            inside.stop();
            outside.stop();
            wanted.addAll(which.apply(inside));
            return traceStopped(List.of(option + wanted.stream().map(String::valueOf).collect(Collectors.joining(","))), inside, outside,
                    (i, o) -> { }, null);
        }
    }

    /**
     * --comm: the outside ping-pong's name starts with the one filtered on (inside-pp2): only the whole name counts,
     * its end included (the program compares the name's bytes and its NUL, not the bytes after).
     */
    @Test
    void commCountsTheTasksOfThatNameAndNoOthers() throws Exception {
        Traced t = trace(List.of("--comm=inside-pp"), "inside-pp2", new String[] {"ping", "pong"}, (inside, outside) -> { }, null);
        t.assertMeasured(pingPong(t.inside()));
        assertThat(t.tasksMeasured()).isSubsetOf(t.inside().pids());
        t.assertFilteredOut("ping");
        assertThat(t.summary().get("filters").get("comm").asText()).isEqualTo("inside-pp");
    }

    @Test
    void cpusCountsOnlyTheSwitchesOnThoseCpus() throws Exception {
        Traced t = trace(List.of("--cpus=0"), new String[] {"ping", "pong"}, (inside, outside) -> { });
        t.assertMeasured(pingPong(t.inside()));
        assertThat(t.tasksMeasured()).doesNotContainAnyElementsOf(t.outside().pids());
        assertThat(t.summary().get("per_cpu").findValuesAsText("cpu")).containsExactly("0");
        t.assertFilteredOut("ping");
    }

    /**
     * --exclude-idle: the pinned ping-pong always has its partner to switch to, so its switches stay,
     * every one; a task that sleeps 1 ms at a time on CPU 1 is switched into from the idle task when
     * CPU 1 was idle, and those switches go. Which of its switches came from idle is what perf saw in
     * the same window (a recording by the perf backend, its IN records with prev pid 0): this machine
     * is shared, so how often CPU 1 idles is not up to the test.
     */
    @Test
    void excludeIdleDropsSwitchesFromAndToTheIdleTask() throws Exception {
        Path recording = Path.of("target", "filters-idle.perf.data").toAbsolutePath();
        Files.deleteIfExists(recording);
        Traced t = trace(List.of("--exclude-idle"), new String[] {"sleep-1ms"}, (inside, outside) -> { },
                List.of("--backend=perf", "--format=json", "--record=" + recording));
        t.assertMeasured(pingPong(t.inside()));
        assertThat(t.tasksMeasured()).as("no switch into an idle task").doesNotContain(0);
        int sleeper = t.outside().pid("sleep-1ms");
        long fromIdle = switchesInFromIdle(recording, sleeper);
        System.out.printf("the sleeper: %d switches, %d of them from idle (perf), %d measured%n",
                t.kernel().get(sleeper), fromIdle, t.measured(sleeper));
        assertThat(t.kernel().get(sleeper)).as("the sleeper's switches").isPositive();
        assertThat(t.measured(sleeper)).as("switches into the sleeper from a task that is not idle (kernel: %d, from idle: %d)",
                t.kernel().get(sleeper), fromIdle).isEqualTo(t.kernel().get(sleeper) - fromIdle);
        Files.deleteIfExists(recording);
    }

    /** perf's IN records of task {@code tid} whose previous task is the idle task (pid/tid 0/0). */
    private static long switchesInFromIdle(Path recording, int tid) throws Exception {
        Process script = new ProcessBuilder("perf", "script", "-i", recording.toString(), "--show-switch-events", "--ns")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        java.util.regex.Pattern in = java.util.regex.Pattern.compile(
                "^\\s*\\S.*?\\s" + tid + " \\[\\d+\\].*PERF_RECORD_SWITCH_CPU_WIDE IN\\s+prev pid/tid:\\s+0/0\\s*$");
        long count;
        try (java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(script.getInputStream()))) {
            count = lines.lines().filter(l -> in.matcher(l).matches()).count();
        }
        assertThat(script.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(script.exitValue()).isZero();
        return count;
    }
}
