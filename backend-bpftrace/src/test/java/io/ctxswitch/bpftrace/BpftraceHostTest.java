package io.ctxswitch.bpftrace;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.spi.ProbeMode;
import org.junit.jupiter.api.Test;

/** The choice of probes, for made-up hosts: every refusal names what is missing. */
class BpftraceHostTest {
    private static final BpftraceVersion V017 = new BpftraceVersion(0, 17, 0);
    private static final BpftraceVersion V023 = new BpftraceVersion(0, 23, 2);

    private static BpftraceHost host(BpftraceVersion v, boolean schedTp, boolean btf, boolean kprobes, String release) {
        return new BpftraceHost(null, v, true, true, btf, btf, schedTp, kprobes, release);
    }

    @Test
    void autoPrefersTheSchedTracepointsWhereBothBpftraceAndTheKernelHaveThem() {
        BpftraceHost.Choice c = host(V023, true, true, false, "6.18.0").choose(ProbeMode.AUTO);
        assertThat(c.probe()).isEqualTo(BpftraceProbe.SCHED_TP);
        assertThat(c.availability().reason()).contains("bpftrace v0.23.2").contains("rawtracepoint:sched_entry_tp");
    }

    @Test
    void oldBpftraceOnANewKernelFallsBackAndSaysWhy() {
        BpftraceHost.Choice c = host(V017, true, true, false, "6.18.0").choose(ProbeMode.AUTO);
        assertThat(c.probe()).isEqualTo(BpftraceProbe.FENTRY);
        assertThat(c.note()).isEqualTo("probe auto: using fentry; not sched-tp: bpftrace v0.17.0 cannot attach to sched_entry_tp"
                + " (0.18 or later can); not kprobe: kernel 6.18.0 has no kprobes (built without CONFIG_KPROBES)");
    }

    @Test
    void debian12TakesKprobeWhichTimesEverySwitchAndFentryWhenAsked() {
        BpftraceHost debian12 = host(V017, false, true, true, "6.1.0-56-amd64");
        assertThat(debian12.choose(ProbeMode.AUTO).probe()).isEqualTo(BpftraceProbe.KPROBE);
        assertThat(debian12.choose(ProbeMode.FENTRY).probe()).isEqualTo(BpftraceProbe.FENTRY);
        assertThat(debian12.choose(ProbeMode.FENTRY).note()).isNull();
        assertThat(debian12.choose(ProbeMode.SCHED_TP).availability().reason())
                .isEqualTo("bpftrace v0.17.0 cannot attach to sched_entry_tp (0.18 or later can)");
    }

    /**
     * --serve with auto takes only sched-tp, whose snapshots hold the histogram: on Debian 12 (6.1, kprobes
     * and fentry, bpftrace 0.17) it cannot run, and says why the other modes do not serve and what sched-tp lacks.
     */
    @Test
    void servingAutoTakesOnlyTheModeWhoseSnapshotsHoldTheHistogram() {
        BpftraceHost.Choice here = host(V023, true, true, false, "6.18.0").choose(ProbeMode.AUTO, true);
        assertThat(here.probe()).isEqualTo(BpftraceProbe.SCHED_TP);
        assertThat(here.note()).isNull();
        BpftraceHost.Choice debian12 = host(V017, false, true, true, "6.1.0-56-amd64").choose(ProbeMode.AUTO, true);
        assertThat(debian12.probe()).isNull();
        assertThat(debian12.availability().reason()).isEqualTo("--serve with bpftrace needs a mode whose snapshots hold the histogram"
                + " (" + BpftraceSource.NOT_SERVING + "): sched-tp: bpftrace v0.17.0 cannot attach to sched_entry_tp (0.18 or later can)");
        assertThat(host(V017, false, true, true, "6.1.0-56-amd64").choose(ProbeMode.AUTO, false).probe()).isEqualTo(BpftraceProbe.KPROBE);
    }

    /** The declaration the CLI refuses from before probing anything: --serve only where the snapshots hold the histogram, never per CPU. */
    @Test
    void theBackendDeclaresServingInSchedTpModeOnlyAndNotPerCpu() {
        BpftraceSource source = new BpftraceSource(new BpftraceSettings(null));
        assertThat(source.features()).contains(io.ctxswitch.core.spi.Feature.SERVE).doesNotContain(io.ctxswitch.core.spi.Feature.SERVE_PER_CPU);
        assertThat(source.featuresLackedIn(ProbeMode.AUTO)).isEmpty();
        assertThat(source.featuresLackedIn(ProbeMode.SCHED_TP)).isEmpty();
        for (ProbeMode older : new ProbeMode[] {ProbeMode.KPROBE, ProbeMode.FENTRY}) {
            assertThat(source.featuresLackedIn(older)).containsOnlyKeys(io.ctxswitch.core.spi.Feature.SERVE, io.ctxswitch.core.spi.Feature.BY_KIND,
                    io.ctxswitch.core.spi.Feature.CGROUP_FILTER);
            assertThat(source.featuresLackedIn(older).get(io.ctxswitch.core.spi.Feature.CGROUP_FILTER)).startsWith(BpftraceScript.NO_CGROUP)
                    .endsWith("it filters by cgroup with --probe=sched-tp (Linux 6.15+)");
            assertThat(source.featuresLackedIn(older).get(io.ctxswitch.core.spi.Feature.SERVE)).startsWith(BpftraceSource.NOT_SERVING)
                    .endsWith("it serves with --probe=sched-tp (Linux 6.15+)");
        }
    }

    /**
     * --by=kind: declared, but only in sched-tp mode, whose script reads sched_switch's raw tracepoint (the kprobe and
     * fentry scripts see the perf-event tracepoint's reported state, and bpftrace 0.17 has no raw tracepoint); with
     * auto it takes only sched-tp, and where that is missing says why.
     */
    @Test
    void kindsOnlyInSchedTpMode() {
        BpftraceSource source = new BpftraceSource(new BpftraceSettings(null));
        assertThat(source.features()).contains(io.ctxswitch.core.spi.Feature.BY_KIND);
        for (ProbeMode older : new ProbeMode[] {ProbeMode.KPROBE, ProbeMode.FENTRY}) {
            assertThat(source.featuresLackedIn(older).get(io.ctxswitch.core.spi.Feature.BY_KIND)).isEqualTo(BpftraceScript.NOT_CLASSIFYING
                    + "; it classifies with --probe=sched-tp (Linux 6.15+)");
        }
        String needs = "--by=kind with bpftrace needs its sched-tp mode";
        assertThat(host(V023, true, true, false, "6.18.0").choose(ProbeMode.AUTO, true, needs).probe()).isEqualTo(BpftraceProbe.SCHED_TP);
        BpftraceHost.Choice debian12 = host(V017, false, true, true, "6.1.0-56-amd64").choose(ProbeMode.AUTO, true, needs);
        assertThat(debian12.probe()).isNull();
        assertThat(debian12.availability().reason())
                .isEqualTo(needs + ": sched-tp: bpftrace v0.17.0 cannot attach to sched_entry_tp (0.18 or later can)");
    }

    @Test
    void missingPiecesAreNamed() {
        assertThat(host(V023, false, false, false, "5.4.0").choose(ProbeMode.AUTO).availability().reason())
                .startsWith("no probe mode works here: sched-tp: ").contains("fentry: kernel 5.4.0 has no BTF")
                .contains("kprobe: kernel 5.4.0 has no kprobes");
        BpftraceHost missing = new BpftraceHost("bpftrace is not installed: install it with 'apt-get install bpftrace' or name it with --bpftrace=PATH",
                null, true, true, true, true, true, true, "6.18.0");
        assertThat(missing.choose(ProbeMode.AUTO).availability().reason()).contains("apt-get install bpftrace");
        BpftraceHost containerRoot = new BpftraceHost(null, V023, true, false, true, true, true, true, "6.18.0");
        assertThat(containerRoot.choose(ProbeMode.AUTO).availability().reason()).contains("lacks CAP_SYS_ADMIN").contains("--cap-add");
        BpftraceHost user = new BpftraceHost(null, V023, false, false, true, true, true, true, "6.18.0");
        assertThat(user.choose(ProbeMode.AUTO).availability().reason()).contains("lacks root").contains("sudo");
    }

    @Test
    void fentryRefusedByTheKernelIsPassedOverByAuto() {
        // this machine: BTF, no kprobes, fentry refused; bpftrace 0.17 cannot use sched_entry_tp
        BpftraceHost here = new BpftraceHost(null, V017, true, true, true, false, true, false, "6.18.44");
        BpftraceHost.Choice c = here.choose(ProbeMode.AUTO);
        assertThat(c.probe()).isNull();
        assertThat(c.availability().reason()).contains("fentry: bpftrace --info says fentry does not work on kernel 6.18.44");
    }

    @Test
    void infoOutputOfRealVersions() {
        String v017 = "System\n  OS: Linux 6.18.44-fc-v657\nKernel features\n  btf: yes\n  kprobe: yes\n  kfunc: no\n  kprobe_multi: no\n";
        String v023 = "  module btf: yes                  Kernel DWARF: no\n  kprobe: yes                      tracepoint: yes\n"
                + "  perf_event: yes                  fentry: no\n  kprobe_multi: no                 uprobe_multi: yes\n";
        assertThat(BpftraceTool.fentrySupported(v017)).isFalse();
        assertThat(BpftraceTool.fentrySupported(v023)).isFalse();
        assertThat(BpftraceTool.fentrySupported(v017.replace("kfunc: no", "kfunc: yes"))).isTrue();
        assertThat(BpftraceTool.fentrySupported("  fentry: yes   kprobe_multi: no")).isTrue();
        assertThat(BpftraceTool.fentrySupported("")).isTrue();
    }
}
