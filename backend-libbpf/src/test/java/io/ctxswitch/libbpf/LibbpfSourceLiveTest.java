package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.ProbeMode;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import io.ctxswitch.core.report.Summary;
import io.ctxswitch.core.stats.LatencyStats;
import io.ctxswitch.core.stats.ProcessStats;
import io.ctxswitch.core.testing.PinnedPingPong;
import io.ctxswitch.core.testing.BpfPrograms;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Loads and attaches the real program and measures a workload this test drives itself. */
class LibbpfSourceLiveTest {
    private static final int ROUND_TRIPS = 20_000;

    @BeforeEach
    void needsACapableHost() {
        LiveHost.assumeSchedTpCapable();
    }

    @Test
    void measuresAPinnedPingPongInTotalPerCpuAndPerTask() throws Exception {
        LibbpfSource source = new LibbpfSource();
        TraceOptions options = new TraceOptions(ProbeMode.AUTO, true);
        Availability availability = source.availability(options);
        assertThat(availability.available()).as(availability.reason()).isTrue();
        LatencyStats total = new LatencyStats();
        long[] kernelCounts = new long[2];
        int[] tids;
        try (PinnedPingPong workload = new PinnedPingPong()) {
            try {
                source.start(options);
                assertThat(source.armed()).as("unpaired ends are counted once both programs are attached").isTrue();
                total.add(source.drain()); // an interval boundary before the workload: intervals must add up
                workload.run(0, ROUND_TRIPS);
                total.add(source.drain());
                source.stop();
                assertThat(source.armed()).as("and no longer once detaching begins").isFalse();
                total.add(source.drain());
                assertThat(source.drain().total().count()).as("nothing is drained twice").isZero();
            } finally {
                source.close();
            }
            // The threads live (blocked) until the workload closes: the kernel's counts of their switches,
            // read now, cover their whole life, as the tracer did.
            tids = workload.tids();
            kernelCounts[0] = workload.kernelSwitches(tids[0]);
            kernelCounts[1] = workload.kernelSwitches(tids[1]);
        }
        Summary s = Summary.of("summary", "libbpf", source.probeDescription(), 1, total, true, 10);
        assertThat(s.count()).isGreaterThanOrEqualTo(kernelCounts[0] + kernelCounts[1]);
        assertThat(s.minNs()).isPositive();
        java.util.List<Long> ordered = new java.util.ArrayList<>();
        ordered.add(s.minNs());
        s.percentiles().forEach(p -> ordered.add(p.ns()));
        ordered.add(s.maxNs());
        assertThat(ordered).hasSize(6).isSorted();
        assertThat(s.meanNs()).isBetween((double) s.minNs(), (double) s.maxNs());
        assertThat(s.meanNs()).as("a switch takes microseconds, not milliseconds").isLessThan(1_000_000.0);
        assertThat(s.perCpu()).anySatisfy(cpu -> {
            assertThat(cpu.cpu()).isZero();
            assertThat(cpu.count()).isGreaterThanOrEqualTo(kernelCounts[0] + kernelCounts[1]);
        });
        assertThat(s.unpaired()).as("every switch has both ends; attaching and detaching are not counted").isZero();
        List<ProcessStats> tasks = total.processes().top(Integer.MAX_VALUE);
        for (int i = 0; i < 2; i++) {
            int tid = tids[i];
            long kernel = kernelCounts[i];
            assertThat(kernel).as("the kernel's count: at least one switch per round trip").isGreaterThanOrEqualTo(ROUND_TRIPS);
            // The threads were created after attaching and were blocked when the tracer stopped, so it
            // saw every switch into them: as many as the kernel counted away from them (their first
            // run, from the fork, pairs with their last switch away; sched-tp covers both).
            assertThat(tasks).filteredOn(p -> p.pid() == tid).singleElement()
                    .satisfies(p -> {
                        assertThat(p.latency().count()).as("switches into task %d; the kernel counted %d away from it", tid, kernel)
                                .isEqualTo(kernel);
                        assertThat(p.comm()).startsWith("pingpong-");
                    });
        }
        long binned = s.histogram().stream().mapToLong(b -> b.count()).sum();
        assertThat(binned).isEqualTo(s.count());
    }

    /**
     * The programs attach one by one. An entry seen in the gap before the exit program is attached
     * leaves a start behind whose exit nobody saw; once armed, it must not count as unpaired (nor,
     * after an idle period, as a sample). Here the gap is widened to 200 ms with every CPU switching,
     * so that every CPU has such a start; the real gap is microseconds, and it made this rare.
     */
    /**
     * The per-task table reads a task's name again only after a rename (or once per interval): a process
     * that execs within one interval must still be reported by the name it ran under at its last sample.
     * Here sh sleeps (switched in as "sh"), then execs sleep, which sleeps and is switched in once more.
     */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aTaskThatExecsIsReportedByItsNewNameWithinTheInterval() throws Exception {
        LibbpfSource source = new LibbpfSource();
        LatencyStats total = new LatencyStats();
        long pid;
        try {
            source.start(new TraceOptions(ProbeMode.SCHED_TP, true));
            total.add(source.drain()); // the interval below holds the process's whole life
            Process child = new ProcessBuilder("/bin/sh", "-c", "sleep 0.1; exec sleep 0.1").start();
            pid = child.pid();
            assertThat(child.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isZero();
            source.stop();
            total.add(source.drain());
        } finally {
            source.close();
        }
        assertThat(total.processes().top(Integer.MAX_VALUE)).filteredOn(p -> p.pid() == pid).singleElement()
                .satisfies(p -> assertThat(p.comm()).as("task %d's name after its exec", pid).isEqualTo("sleep"));
    }

    @Test
    void aStartLeftWhileAttachingIsNeitherUnpairedNorASample() throws Exception {
        KernelProbe probe = KernelProbe.SCHED_TP;
        Libbpf lib = Libbpf.load();
        LatencyStats total = new LatencyStats();
        try (LoadedObject object = LoadedObject.load(lib, LibbpfSource.objectBytes(), probe, false)) {
            KernelReader reader = new KernelReader(lib, object, false, false);
            object.attach(probe.programs.subList(0, 1));
            int cpus = Runtime.getRuntime().availableProcessors();
            for (int cpu = 0; cpu < cpus; cpu++) {
                PinnedPingPong.once(cpu, 200);
            }
            Thread.sleep(200); // CPUs go idle with a start set
            object.attach(probe.programs.subList(1, probe.programs.size()));
            object.setArmed(true);
            PinnedPingPong.once(0, 2_000);
            Thread.sleep(200); // idle CPUs wake for timers and kernel work
            object.setArmed(false);
            object.detach();
            total.add(reader.drain(false));
        }
        assertThat(total.total().count()).isGreaterThanOrEqualTo(4_000);
        assertThat(total.unpaired()).as("starts taken before arming are dropped").isZero();
        assertThat(total.total().maxNs()).as("no idle period becomes a sample").isLessThan(50_000_000L);
    }

    /**
     * Disarmed, the attached programs record nothing (docs/spi.md): not while they attach, nor once user
     * space disarms them to detach. Were switches recorded before arming, the one under way on a CPU at
     * the moment of arming (its start older than armed_ns) would be dropped between recorded ones: a
     * hole in that CPU's sequence of switches, which on an idle CPU made to-idle and from-idle differ by
     * one more than the run's ends can (KindIT). Every program is attached here, so only arming decides.
     */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void disarmedProgramsRecordNothing() throws Exception {
        KernelProbe probe = KernelProbe.SCHED_TP;
        Libbpf lib = Libbpf.load();
        try (LoadedObject object = LoadedObject.load(lib, LibbpfSource.objectBytes(), probe, false)) {
            KernelReader reader = new KernelReader(lib, object, false, false);
            object.attach(probe.programs);
            PinnedPingPong.once(0, 2_000);
            LatencyStats beforeArming = reader.drain(true);

            object.setArmed(true);
            LatencyStats armed = new LatencyStats();
            long kernel;
            try (PinnedPingPong workload = new PinnedPingPong()) {
                workload.run(0, 2_000);
                kernel = workload.kernelSwitches(); // each of these ended on CPU 0 before the drain below
                armed.add(reader.drain(true));
                object.setArmed(false);
                armed.add(reader.drain(true)); // its grace lets a program that saw the arming finish
            }

            PinnedPingPong.once(0, 2_000);
            object.detach();
            LatencyStats afterDisarming = reader.drain(false);

            assertThat(beforeArming.total().count()).as("switches recorded before arming").isZero();
            assertThat(beforeArming.noSwitch()).as("no-switches recorded before arming").isZero();
            assertThat(armed.total().count()).as("switches recorded while armed; the kernel counted %d of the ping-pong's", kernel)
                    .isGreaterThanOrEqualTo(kernel).isPositive();
            assertThat(afterDisarming.total().count()).as("switches recorded after disarming").isZero();
            assertThat(afterDisarming.noSwitch()).as("no-switches recorded after disarming").isZero();
        }
    }

    @Test
    void leavesNoProgramBehind() throws Exception {
        Set<Integer> before = BpfPrograms.ours().keySet(); // other instances' programs, or an earlier test's not yet freed
        LibbpfSource source = new LibbpfSource();
        Set<Integer> loaded;
        try {
            source.start(new TraceOptions(ProbeMode.SCHED_TP, false));
            Map<Integer, String> during = new TreeMap<>(BpfPrograms.ours());
            during.keySet().removeAll(before);
            assertThat(during.values()).as("the programs this source loaded").contains("ctxsw_entry", "ctxsw_exit");
            loaded = during.keySet();
        } finally {
            source.close();
        }
        assertThat(BpfPrograms.leftSince(before)).as("its programs, after close").doesNotContainAnyElementsOf(loaded);
    }

    /**
     * --by=cgroup: the program loads and attaches with its cgroup table, and every switch measured is in a cgroup
     * or in the overflow (over a whole run, exactly: the table's slots and the totals' are written by the same
     * program run in the same epoch, and the overflow is cumulative). The ping-pong's threads are in this JVM's
     * cgroup v2, listed with at least their switches.
     */
    @Test
    void byCgroupPutsEverySwitchInACgroup() throws Exception {
        LibbpfSource source = new LibbpfSource();
        LatencyStats total = new LatencyStats();
        try {
            source.start(new TraceOptions(ProbeMode.AUTO, false).withByCgroup(true));
            total.add(source.drain());
            PinnedPingPong.once(0, 2_000);
            source.stop();
            total.add(source.drain());
        } finally {
            source.close();
        }
        Summary s = Summary.of("summary", "libbpf", source.probeDescription(), 1, total, false, 0);
        assertThat(s.byCgroup()).as("tracked").isNotNull();
        long attributed = total.cgroups().byCount().stream().mapToLong(c -> c.latency().count()).sum();
        assertThat(attributed + total.cgroups().overflowSamples()).isEqualTo(s.count());
        assertThat(s.count()).isGreaterThanOrEqualTo(4_000);
        assertThat(total.cgroups().byCount()).as("the ping-pong's cgroup")
                .anySatisfy(c -> assertThat(c.latency().count()).isGreaterThanOrEqualTo(4_000));
    }

    /** Without --top the table stays empty; without --per-cpu no CPU is binned (CpuAreaBinsTest: what that saves). */
    @Test
    void withoutPerTaskTheTaskTableStaysEmpty() throws Exception {
        LibbpfSource source = new LibbpfSource();
        LatencyStats total = new LatencyStats();
        try {
            source.start(new TraceOptions(ProbeMode.AUTO, false, null, io.ctxswitch.core.spi.SwitchFilter.NONE, false));
            PinnedPingPong.once(1 % Runtime.getRuntime().availableProcessors(), 2_000);
            source.stop();
            total.add(source.drain());
        } finally {
            source.close();
        }
        assertThat(total.total().count()).isGreaterThanOrEqualTo(4_000);
        assertThat(total.processes().size()).isZero();
        assertThat(total.perCpu()).isNotEmpty().allSatisfy(cpu -> assertThat(cpu.bins()).as("CPU %d's bins", cpu.cpu()).isNull());
    }

    /**
     * The schedule() modes on this host, against what the kernel itself says it can do (decided without
     * the code under test): where the attachment point exists, the mode must attach and measure; where
     * it does not, it must be refused with one line that names the mode and the host's actual lack.
     */
    @Test
    void theScheduleModesRunWhereTheKernelCanAndAreRefusedForTheRightReasonElsewhere() throws Exception {
        assertScheduleMode(KernelProbe.KPROBE, LiveHost.kernelHasKprobes(), "no kprobes");
        assertScheduleMode(KernelProbe.FENTRY, LiveHost.ftraceCanPatchSchedule(), "Operation not permitted");
    }

    private static void assertScheduleMode(KernelProbe probe, boolean kernelCan, String lackNamed) throws Exception {
        LibbpfSource source = new LibbpfSource();
        TraceOptions options = new TraceOptions(probe.mode, false);
        try {
            if (kernelCan) {
                Availability a = source.availability(options);
                assertThat(a.available()).as(probe.mode + ": " + a.reason()).isTrue();
                source.start(options);
                try (PinnedPingPong workload = new PinnedPingPong()) {
                    workload.run(1 % Runtime.getRuntime().availableProcessors(), 2_000);
                    source.stop();
                }
                // at least two switches a round trip, each started in __schedule() and ended in the incoming thread
                assertThat(source.drain().total().count()).as(probe.mode + " samples").isGreaterThanOrEqualTo(4_000);
                assertThat(source.probeDescription()).startsWith(probe.mode.toString()).contains("rcu_note_context_switch");
            } else {
                SourceException refused = catchThrowableOfType(SourceException.class, () -> {
                    source.availability(options);
                    source.start(options);
                });
                assertThat(refused).as(probe.mode + " on a kernel that cannot attach it").isNotNull();
                System.err.println(probe.mode + ": refused here: " + refused.getMessage());
                assertThat(refused.kind()).isEqualTo(SourceException.Kind.ENVIRONMENT);
                assertThat(refused.getMessage()).doesNotContain("\n").contains(probe.mode.toString()).contains(lackNamed);
            }
        } finally {
            source.close();
        }
    }

    @Test
    void autoPicksSchedTpWhereTheKernelHasIt() throws Exception {
        LibbpfSource source = new LibbpfSource();
        try {
            Availability a = source.availability(new TraceOptions(ProbeMode.AUTO, false));
            assertThat(a.available()).isTrue();
            assertThat(source.probeChoiceNote()).isNull();
            source.start(new TraceOptions(ProbeMode.AUTO, false));
            assertThat(source.probeDescription()).startsWith("sched-tp");
        } finally {
            source.close();
        }
    }
}
