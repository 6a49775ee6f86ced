package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.ProbeMode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Auto takes the best mode that really works and says why the better ones were not used. */
class ProbeSelectionTest {
    /** The functions of fentry mode that Debian 12's 6.1 has in its BTF (no schedule_rtlock, no rt_mutex_schedule). */
    private static final Set<String> LINUX_6_1_FUNCTIONS =
            Set.of("rcu_note_context_switch", "schedule", "schedule_idle", "preempt_schedule_irq", "schedule_tail");
    private static final HostFacts LINUX_6_18_NO_KPROBES = new HostFacts(null, true, true, true, true, LINUX_6_1_FUNCTIONS, false, "6.18.0");
    private static final HostFacts LINUX_6_1 = new HostFacts(null, true, true, true, false, LINUX_6_1_FUNCTIONS, true, "6.1.0-56-amd64");
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

    /** kprobe times every switch; fentry cannot see a return from the notrace preempt_schedule(). */
    @Test
    void autoTakesTheCompleteKprobeModeOnLinux61AndSaysWhyNotSchedTp() {
        ProbeSelection s = ProbeSelection.choose(ProbeMode.AUTO, LINUX_6_1::availability, trialFailing());
        assertThat(s.probe()).isEqualTo(KernelProbe.KPROBE);
        assertThat(tried).containsExactly(KernelProbe.KPROBE);
        assertThat(s.note()).startsWith("probe auto: using kprobe; not sched-tp: kernel 6.1.0-56-amd64 has no sched_entry_tp");
    }

    @Test
    void autoFallsBackToFentryWhenKprobesDoNotAttach() {
        ProbeSelection s = ProbeSelection.choose(ProbeMode.AUTO, LINUX_6_1::availability, trialFailing(KernelProbe.KPROBE));
        assertThat(s.probe()).isEqualTo(KernelProbe.FENTRY);
        assertThat(s.note()).contains("not kprobe: attaching ctxsw_kprobe failed: Operation not permitted");
        assertThat(s.availability().reason()).contains("fentry on rcu_note_context_switch()");
    }

    @Test
    void whenNothingWorksEveryModeSaysWhy() {
        HostFacts oldNoKprobes = new HostFacts(null, true, true, false, false, Set.of(), false, "4.19.0");
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
                true, true, true, true, LINUX_6_1_FUNCTIONS, true, "6.18.0");
        ProbeSelection s = ProbeSelection.choose(ProbeMode.AUTO, noLibbpf::availability, trialFailing());
        assertThat(s.availability().reason()).isEqualTo("libbpf (libbpf.so.1) could not be loaded: install it with 'apt-get install libbpf1'");
    }
}
