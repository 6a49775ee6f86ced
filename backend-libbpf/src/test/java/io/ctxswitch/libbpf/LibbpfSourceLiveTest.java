package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.ProbeMode;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import io.ctxswitch.core.report.Summary;
import io.ctxswitch.core.stats.LatencyStats;
import io.ctxswitch.core.stats.ProcessStats;
import java.util.List;
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
        PinnedPingPong workload = new PinnedPingPong();
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
        Summary s = Summary.of("summary", "libbpf", source.probeDescription(), 1, total, true, 10);
        assertThat(s.count()).isGreaterThanOrEqualTo(2L * ROUND_TRIPS);
        assertThat(s.minNs()).isPositive();
        assertThat(s.minNs()).isLessThanOrEqualTo(s.p50Ns());
        assertThat(s.p50Ns()).isLessThanOrEqualTo(s.p90Ns());
        assertThat(s.p90Ns()).isLessThanOrEqualTo(s.p99Ns());
        assertThat(s.p99Ns()).isLessThanOrEqualTo(s.p999Ns());
        assertThat(s.p999Ns()).isLessThanOrEqualTo(s.maxNs());
        assertThat(s.meanNs()).isBetween((double) s.minNs(), (double) s.maxNs());
        assertThat(s.meanNs()).as("a switch takes microseconds, not milliseconds").isLessThan(1_000_000.0);
        assertThat(s.perCpu()).anySatisfy(cpu -> {
            assertThat(cpu.cpu()).isZero();
            assertThat(cpu.count()).isGreaterThanOrEqualTo(2L * ROUND_TRIPS);
        });
        assertThat(s.unpaired()).as("every switch has both ends; attaching and detaching are not counted").isZero();
        List<ProcessStats> tasks = total.processes().top(Integer.MAX_VALUE);
        for (int tid : workload.tids) {
            assertThat(tasks).filteredOn(p -> p.pid() == tid).singleElement()
                    .satisfies(p -> {
                        assertThat(p.latency().count()).isGreaterThanOrEqualTo(ROUND_TRIPS);
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
    @Test
    void aStartLeftWhileAttachingIsNeitherUnpairedNorASample() throws Exception {
        KernelProbe probe = KernelProbe.SCHED_TP;
        Libbpf lib = Libbpf.load();
        LatencyStats total = new LatencyStats();
        try (LoadedObject object = LoadedObject.load(lib, LibbpfSource.objectBytes(), probe, false)) {
            KernelReader reader = new KernelReader(lib, object, false);
            object.attach(probe.programs.subList(0, 1));
            int cpus = Runtime.getRuntime().availableProcessors();
            for (int cpu = 0; cpu < cpus; cpu++) {
                new PinnedPingPong().run(cpu, 200);
            }
            Thread.sleep(200); // CPUs go idle with a start set
            object.attach(probe.programs.subList(1, probe.programs.size()));
            object.setArmed(true);
            new PinnedPingPong().run(0, 2_000);
            Thread.sleep(200); // idle CPUs wake for timers and kernel work
            object.setArmed(false);
            object.detach();
            total.add(reader.drain(false));
        }
        assertThat(total.total().count()).isGreaterThanOrEqualTo(4_000);
        assertThat(total.unpaired()).as("starts taken before arming are dropped").isZero();
        assertThat(total.total().maxNs()).as("no idle period becomes a sample").isLessThan(50_000_000L);
    }

    @Test
    void leavesNoProgramBehind() throws Exception {
        String before = LiveHost.loadedProgramNames(); // another instance's programs may be loaded meanwhile
        long ours = before == null ? 0 : before.lines().filter(l -> l.contains("name ctxsw_")).count();
        LibbpfSource source = new LibbpfSource();
        try {
            source.start(new TraceOptions(ProbeMode.SCHED_TP, false));
            String during = LiveHost.loadedProgramNames();
            if (during != null) {
                assertThat(during).contains("ctxsw_entry").contains("ctxsw_exit");
            }
        } finally {
            source.close();
        }
        String after = LiveHost.programsOnceGone("ctxsw_", ours);
        if (after == null) {
            System.err.println("bpftool is missing: cannot list programs after close");
            return;
        }
        assertThat(after.lines().filter(l -> l.contains("name ctxsw_")).count()).as(after).isEqualTo(ours);
    }

    @Test
    void withoutPerTaskTheTaskTableStaysEmpty() throws Exception {
        LibbpfSource source = new LibbpfSource();
        LatencyStats total = new LatencyStats();
        try {
            source.start(new TraceOptions(ProbeMode.AUTO, false));
            new PinnedPingPong().run(1 % Runtime.getRuntime().availableProcessors(), 2_000);
            source.stop();
            total.add(source.drain());
        } finally {
            source.close();
        }
        assertThat(total.total().count()).isGreaterThanOrEqualTo(4_000);
        assertThat(total.processes().size()).isZero();
    }

    /**
     * The schedule() modes on this host: the verifier accepts their programs wherever the kernel has
     * the attachment point's type (it checks them against the real kernel), and attaching either
     * works and measures, or is refused with one line that names the mode's problem.
     */
    @Test
    void theScheduleModesLoadHereOrAreRefusedWithAReason() throws Exception {
        for (KernelProbe probe : List.of(KernelProbe.FENTRY, KernelProbe.KPROBE)) {
            Libbpf lib = Libbpf.load();
            try (LoadedObject loaded = LoadedObject.load(lib, LibbpfSource.objectBytes(), probe,
                    probe.programsFor(HostFacts.gather().btfFunctions()), true)) {
                System.err.println(probe.mode + ": the verifier accepts " + probe.programs);
            } catch (SourceException e) {
                System.err.println(probe.mode + ": not loaded here: " + e.getMessage());
                assertThat(e.kind()).isEqualTo(SourceException.Kind.ENVIRONMENT);
                assertThat(e.getMessage()).doesNotContain("\n");
            }
            LibbpfSource source = new LibbpfSource();
            TraceOptions options = new TraceOptions(probe.mode, false);
            try {
                Availability a = source.availability(options);
                source.start(options);
                System.err.println(probe.mode + ": attached (" + a.reason() + ")");
                new PinnedPingPong().run(1 % Runtime.getRuntime().availableProcessors(), 2_000);
                source.stop();
                assertThat(source.drain().total().count()).isGreaterThanOrEqualTo(4_000);
                assertThat(source.probeDescription()).startsWith(probe.mode.toString()).contains("rcu_note_context_switch");
            } catch (SourceException e) {
                System.err.println(probe.mode + ": refused here: " + e.getMessage());
                assertThat(e.kind()).isEqualTo(SourceException.Kind.ENVIRONMENT);
                assertThat(e.getMessage()).doesNotContain("\n").containsAnyOf(probe.mode.toString(), probe.programs.get(0));
            } finally {
                source.close();
            }
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
