package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * --by=kind, live, with the libbpf backend (issue 15): loads whose switches are of a known kind run while
 * ctxswitch traces, and each kind is bounded by the kernel's own count of those switches
 * (/proc/PID/status: voluntary_ctxt_switches are a task going to sleep, nonvoluntary ones a task leaving
 * still runnable). Every run's kinds add up exactly to its count.
 *
 * <p>As in {@link FiltersIT}, the loads are stopped while ctxswitch starts and again before it stops, so that
 * the growth of the kernel's counts between the two stops is what happened while tracing.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class KindIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double SHARE = KindReport.SHARE;

    @BeforeEach
    void needsACapableHost() {
        LiveHost.assumeSchedTpCapable();
        if (!KernelVm.onPath("gcc") || !KernelVm.onPath("taskset")) {
            Jar.skip("--by=kind test: gcc or taskset is missing (apt-get install gcc util-linux)");
        }
    }

    /** A run's summary, and the growth of the kernel's voluntary and nonvoluntary counts of each load task. */
    private record Traced(JsonNode summary, Map<Integer, long[]> grown, long idleTicksCpu1) {
        long kind(String name) {
            return KindReport.count(summary, name);
        }

        long voluntary(int... pids) {
            long n = 0;
            for (int pid : pids) {
                n += grown.get(pid)[0];
            }
            return n;
        }

        long nonvoluntary(int... pids) {
            long n = 0;
            for (int pid : pids) {
                n += grown.get(pid)[1];
            }
            return n;
        }

        /** Every switch measured is in exactly one kind. */
        void assertKindsAddUp() {
            KindReport.assertKindsAddUp(summary);
        }
    }

    /**
     * Traces with {@code args} while {@code loads} run, until {@code role} of the first load has left its CPU
     * {@code switches} times more than when tracing began.
     */
    private static Traced trace(List<String> args, long switches, String role, ForkedLoad... loads) throws Exception {
        return trace("libbpf", args, switches, role, loads);
    }

    private static Traced trace(String backend, List<String> args, long switches, String role, ForkedLoad... loads) throws Exception {
        for (ForkedLoad load : loads) {
            load.stop();
        }
        Map<Integer, long[]> before = counts(loads);
        List<String> all = new ArrayList<>(List.of("--backend=" + backend, "--format=json", "--by=kind"));
        all.addAll(args);
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), all.toArray(String[]::new));
        try {
            ctxswitch.awaitErr("tracing with " + backend, 60);
            long idleBefore = idleTicks(1);
            loads[0].runUntil(role, loads[0].kernelSwitches(role) + switches,
                    java.util.Arrays.copyOfRange(loads, 1, loads.length));
            long idle = idleTicks(1) - idleBefore;
            ctxswitch.signal("INT");
            Jar.Run run = ctxswitch.finish(120);
            assertThat(run.exit()).as(run.err()).isZero();
            Map<Integer, long[]> grown = new HashMap<>();
            counts(loads).forEach((pid, n) -> grown.put(pid, new long[] {n[0] - before.get(pid)[0], n[1] - before.get(pid)[1]}));
            Traced traced = new Traced(JSON.readTree(run.out()), grown, idle);
            StringBuilder kernel = new StringBuilder();
            grown.forEach((pid, n) -> kernel.append(' ').append(pid).append(' ').append(n[0]).append('/').append(n[1]));
            System.out.printf("%s %s: %d switches, by kind %s; kernel voluntary/nonvoluntary:%s%n", backend, args,
                    traced.summary().get("count").asLong(), traced.summary().get("by_kind"), kernel);
            return traced;
        } finally {
            ctxswitch.process.destroyForcibly();
        }
    }

    /** Per task of the loads, its voluntary and nonvoluntary switch counts. */
    private static Map<Integer, long[]> counts(ForkedLoad... loads) throws Exception {
        Map<Integer, long[]> counts = new HashMap<>();
        for (ForkedLoad load : loads) {
            for (int pid : load.pids()) {
                counts.put(pid, ForkedLoad.kernelSwitchesEach(pid));
            }
        }
        return counts;
    }

    /**
     * A pipe ping-pong on CPU 0 goes to sleep in read() (voluntary: blocked, the partner runs) or is
     * preempted by the partner it woke (nonvoluntary); two busy loops sharing CPU 1 only ever leave it preempted.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"libbpf", "perf"})
    void aPingPongBlocksAndBusyLoopsSharingACpuArePreempted(String backend) throws Exception {
        if (backend.equals("perf") && !KernelVm.onPath("perf")) {
            Jar.skip("--by=kind test with perf: perf is missing (apt-get install linux-perf)");
        }
        try (ForkedLoad pingPong = new ForkedLoad("kind-pp", 0, "ping", "pong");
             ForkedLoad spinners = new ForkedLoad("kind-spin", 1, "spin-a", "spin-b")) {
            Traced t = trace(backend, List.of(), 20_000, "ping", pingPong, spinners);
            t.assertKindsAddUp();
            int ping = pingPong.pid("ping");
            int pong = pingPong.pid("pong");
            int a = spinners.pid("spin-a");
            int b = spinners.pid("spin-b");
            assertThat(t.nonvoluntary(a, b)).as("the busy loops were preempted").isPositive();
            assertThat(t.kind("blocked")).as("blocked: the ping-pong slept %d times", t.voluntary(ping, pong))
                    .isGreaterThanOrEqualTo((long) (SHARE * t.voluntary(ping, pong)));
            long preempted = t.nonvoluntary(ping, pong, a, b);
            assertThat(t.kind("preempted")).as("preempted: the loads left their CPU runnable %d times", preempted)
                    .isGreaterThanOrEqualTo((long) (SHARE * preempted));
        }
    }

    /** Two SCHED_FIFO tasks calling sched_yield() on one CPU: each leaves it, still runnable, by yielding. */
    @Test
    void fifoTasksYieldingToEachOtherAreYields() throws Exception {
        try (ForkedLoad yielders = new ForkedLoad("kind-yield", 1, "yield-a", "yield-b")) {
            Traced t = trace(List.of("--cpus=1"), 20_000, "yield-a", yielders);
            t.assertKindsAddUp();
            int a = yielders.pid("yield-a");
            int b = yielders.pid("yield-b");
            assertThat(t.kind("yield")).as("yield: the FIFO tasks left their CPU runnable %d times", t.nonvoluntary(a, b))
                    .isGreaterThanOrEqualTo((long) (SHARE * t.nonvoluntary(a, b)))
                    .isPositive();
        }
    }

    /**
     * A task sleeping 1 ms at a time on CPU 1: each sleep is a switch away from it (blocked, or to-idle when
     * nothing else runs there), and each idle period there begins with a switch to idle and ends with one
     * from idle, so there are never more switches to idle than from it, but for the run's end. Whether CPU 1
     * was idle at all while the sleeper ran (another load may keep it busy) is the kernel's word: its idle time
     * in /proc/stat.
     */
    @Test
    void aSleeperSwitchesToAndFromIdle() throws Exception {
        try (ForkedLoad sleeper = new ForkedLoad("kind-sleep", 1, "sleep-1ms")) {
            Traced t = trace(List.of("--cpus=1"), 2_000, "sleep-1ms", sleeper);
            long idle = t.idleTicksCpu1();
            t.assertKindsAddUp();
            int pid = sleeper.pid("sleep-1ms");
            long fromIdle = t.kind("from-idle");
            long toIdle = t.kind("to-idle");

            assertThat(toIdle + t.kind("blocked")).as("the sleeper slept %d times", t.voluntary(pid))
                    .isGreaterThanOrEqualTo((long) (SHARE * t.voluntary(pid)));
            // Each switch seen at one end only (unpaired, untimed) or lost can leave one idle period's
            // switch out of the kinds; besides those, a CPU's switches alternate to and from idle, so to-idle
            // exceeds from-idle by at most one (the run's end). Only this side is bounded: some kernels (this
            // development VM's patched 6.18) report passes whose sched_switch names idle -> N although idle
            // still runs at the end, a from-idle with no to-idle (README, --by=kind).
            long unmeasured = t.summary().get("unpaired").asLong() + t.summary().get("untimed").asLong()
                    + t.summary().get("lost").asLong();
            System.out.printf("CPU 1 idle for %d ticks; from-idle %d, to-idle %d, unmeasured %d%n",
                    idle, fromIdle, toIdle, unmeasured);
            assertThat(toIdle - fromIdle)
                    .as("to-idle %d against from-idle %d on one CPU, %d switches unmeasured", toIdle, fromIdle, unmeasured)
                    .isLessThanOrEqualTo(1 + unmeasured);
            if (idle >= 2) { // idle for two ticks or more while the sleeper ran: each sleep then could leave it idle
                assertThat(toIdle).as("switches to idle on CPU 1, idle for %d ticks", idle).isPositive();
                assertThat(fromIdle).as("switches from idle on CPU 1, idle for %d ticks", idle).isPositive();
            }
        }
    }

    /** CPU {@code cpu}'s idle time so far, in USER_HZ ticks (/proc/stat: "cpuN user nice system idle ..."). */
    private static long idleTicks(int cpu) throws Exception {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat"))) {
            String[] f = line.split("\\s+");
            if (f[0].equals("cpu" + cpu)) {
                return Long.parseLong(f[4]);
            }
        }
        throw new AssertionError("/proc/stat has no cpu" + cpu);
    }
}
