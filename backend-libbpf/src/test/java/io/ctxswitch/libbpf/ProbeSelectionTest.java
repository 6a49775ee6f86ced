package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.ProbeMode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Auto takes the best mode that really works and says why the better ones were not used. */
class ProbeSelectionTest {
    private static final HostFacts LINUX_6_18_NO_KPROBES = new HostFacts(null, true, true, true, true, true, false, "6.18.0");
    private static final HostFacts LINUX_6_1 = new HostFacts(null, true, true, true, false, true, true, "6.1.0-56-amd64");
    private final List<KernelProbe> tried = new ArrayList<>();

    private Function<KernelProbe, String> trialFailing(KernelProbe... failing) {
        return probe -> {
            tried.add(probe);
            return List.of(failing).contains(probe) ? "attaching " + probe.programs.get(0) + " failed: Operation not permitted" : null;
        };
    }

    @Test
    void autoTakesSchedTpWhereTheTracepointsExistWithoutATrial() {
        ProbeSelection s = ProbeSelection.choose(ProbeMode.AUTO, LINUX_6_18_NO_KPROBES::availability, trialFailing());
        assertThat(s.probe()).isEqualTo(KernelProbe.SCHED_TP);
        assertThat(tried).isEmpty();
        assertThat(s.note()).as("the best mode needs no explaining").isNull();
    }

    @Test
    void autoTakesFentryOnLinux61AndSaysWhyNotSchedTp() {
        ProbeSelection s = ProbeSelection.choose(ProbeMode.AUTO, LINUX_6_1::availability, trialFailing());
        assertThat(s.probe()).isEqualTo(KernelProbe.FENTRY);
        assertThat(tried).containsExactly(KernelProbe.FENTRY);
        assertThat(s.note()).startsWith("probe auto: using fentry; not sched-tp: kernel 6.1.0-56-amd64 has no sched_entry_tp");
    }

    @Test
    void autoFallsBackToKprobeWhenFentryDoesNotAttach() {
        ProbeSelection s = ProbeSelection.choose(ProbeMode.AUTO, LINUX_6_1::availability, trialFailing(KernelProbe.FENTRY));
        assertThat(s.probe()).isEqualTo(KernelProbe.KPROBE);
        assertThat(s.note()).contains("not fentry: attaching ctxsw_fentry failed: Operation not permitted");
        assertThat(s.availability().reason()).contains("kprobes on schedule() and finish_task_switch()");
    }

    @Test
    void whenNothingWorksEveryModeSaysWhy() {
        HostFacts oldNoKprobes = new HostFacts(null, true, true, false, false, false, false, "4.19.0");
        ProbeSelection s = ProbeSelection.choose(ProbeMode.AUTO, oldNoKprobes::availability, trialFailing());
        assertThat(s.probe()).isNull();
        assertThat(s.availability().available()).isFalse();
        assertThat(s.availability().reason()).startsWith("no probe mode works here: sched-tp: ")
                .contains("; fentry: ").contains("; kprobe: ").contains("CONFIG_KPROBES");
        assertThat(tried).isEmpty();
    }

    @Test
    void aNamedModeIsNeverTriedAndNeverReplaced() {
        ProbeSelection s = ProbeSelection.choose(ProbeMode.KPROBE, LINUX_6_18_NO_KPROBES::availability, trialFailing());
        assertThat(s.probe()).isNull();
        assertThat(s.availability().reason()).contains("no kprobes");
        assertThat(s.note()).isNull();
        assertThat(tried).isEmpty();
        ProbeSelection fentry = ProbeSelection.choose(ProbeMode.FENTRY, LINUX_6_1::availability, trialFailing());
        assertThat(fentry.probe()).isEqualTo(KernelProbe.FENTRY);
        assertThat(fentry.note()).isNull();
        Availability a = fentry.availability();
        assertThat(a.available()).isTrue();
    }

    @Test
    void aReasonCommonToEveryModeIsSaidOnce() {
        HostFacts noLibbpf = new HostFacts("libbpf (libbpf.so.1) could not be loaded: install it with 'apt-get install libbpf1'",
                true, true, true, true, true, true, "6.18.0");
        ProbeSelection s = ProbeSelection.choose(ProbeMode.AUTO, noLibbpf::availability, trialFailing());
        assertThat(s.availability().reason()).isEqualTo("libbpf (libbpf.so.1) could not be loaded: install it with 'apt-get install libbpf1'");
    }
}
