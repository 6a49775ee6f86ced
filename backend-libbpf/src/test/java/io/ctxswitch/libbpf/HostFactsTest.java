package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.spi.Availability;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every missing piece gives one line naming it and how to get it; the first missing piece wins. */
class HostFactsTest {
    /** The functions of fentry mode that Debian 12's 6.1 has in its BTF (no schedule_rtlock, no rt_mutex_schedule). */
    static final Set<String> LINUX_6_1_FUNCTIONS =
            Set.of("rcu_note_context_switch", "schedule", "schedule_idle", "preempt_schedule_irq", "schedule_tail");
    private static final HostFacts GOOD = new HostFacts(null, true, true, true, true, LINUX_6_1_FUNCTIONS, true, "6.18.0");

    @Test
    void aCapableHostIsAvailable() {
        Availability a = GOOD.schedTpAvailability();
        assertThat(a.available()).isTrue();
        assertThat(a.reason()).contains("sched_entry_tp").contains("6.18.0");
    }

    @Test
    void missingLibbpfIsNamedFirst() {
        Availability a = new HostFacts("libbpf (libbpf.so.1) could not be loaded: install it with 'apt-get install libbpf1'",
                false, false, false, false, LINUX_6_1_FUNCTIONS, true, "6.1.0").schedTpAvailability();
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).contains("apt-get install libbpf1");
    }

    @Test
    void notRootSaysHowToGetThePrivilege() {
        Availability a = new HostFacts(null, false, false, true, true, LINUX_6_1_FUNCTIONS, true, "6.18.0").schedTpAvailability();
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).contains("root").contains("CAP_BPF").contains("sudo");
        Availability containerRoot = new HostFacts(null, false, true, true, true, LINUX_6_1_FUNCTIONS, true, "6.18.0").schedTpAvailability();
        assertThat(containerRoot.reason()).contains("this root process lacks CAP_BPF and CAP_PERFMON").contains("--cap-add").doesNotContain("sudo");
    }

    @Test
    void noBtfNamesTheFileAndTheKernelOption() {
        Availability a = new HostFacts(null, true, true, false, false, LINUX_6_1_FUNCTIONS, true, "5.4.0").schedTpAvailability();
        assertThat(a.reason()).contains("/sys/kernel/btf/vmlinux").contains("CONFIG_DEBUG_INFO_BTF").contains("5.4.0");
    }

    @Test
    void anOldKernelNamesTheTracepointsAndTheVersionThatHasThem() {
        Availability a = new HostFacts(null, true, true, true, false, LINUX_6_1_FUNCTIONS, true, "6.1.0-28-amd64").schedTpAvailability();
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).contains("6.1.0-28-amd64").contains("sched_entry_tp").contains("6.15");
        assertThat(a.reason()).doesNotContain("\n");
    }

    @Test
    void fentryNeedsItsStartAndScheduleInTheKernelsBtf() {
        HostFacts linux61 = new HostFacts(null, true, true, true, false, LINUX_6_1_FUNCTIONS, true, "6.1.0-56-amd64");
        assertThat(linux61.fentryAvailability().available()).isTrue();
        assertThat(linux61.fentryAvailability().reason()).contains("fentry on rcu_note_context_switch()").contains("6.1.0-56-amd64");
        Availability noFunction = new HostFacts(null, true, true, true, false, Set.of(), true, "5.4.0").fentryAvailability();
        assertThat(noFunction.available()).isFalse();
        assertThat(noFunction.reason()).contains("no function rcu_note_context_switch()").contains("5.4.0");
        Availability noSchedule = new HostFacts(null, true, true, true, false, Set.of("rcu_note_context_switch"), true, "5.4.0")
                .fentryAvailability();
        assertThat(noSchedule.reason()).contains("no function schedule()");
        Availability noBtf = new HostFacts(null, true, true, false, false, Set.of(), true, "5.4.0").fentryAvailability();
        assertThat(noBtf.reason()).contains("fentry mode").contains("CONFIG_DEBUG_INFO_BTF");
    }

    @Test
    void kprobeNeedsKprobesButNoBtf() {
        HostFacts noBtf = new HostFacts(null, true, true, false, false, Set.of(), true, "4.19.0");
        assertThat(noBtf.kprobeAvailability().available()).isTrue();
        assertThat(noBtf.kprobeAvailability().reason()).contains("kprobes on rcu_note_context_switch() and finish_task_switch()");
        Availability noKprobes = new HostFacts(null, true, true, true, true, LINUX_6_1_FUNCTIONS, false, "6.18.0").kprobeAvailability();
        assertThat(noKprobes.available()).isFalse();
        assertThat(noKprobes.reason()).contains("no kprobes").contains("CONFIG_KPROBES").contains("6.18.0");
        Availability unprivileged = new HostFacts(null, false, false, false, false, Set.of(), true, "4.19.0").kprobeAvailability();
        assertThat(unprivileged.reason()).contains("root").contains("CAP_BPF");
    }

    /** --by=kind needs sched_switch's prev_state: Linux 5.18 on; the release is compared by number, not as text. */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void byKindNeedsLinux518() {
        assertThat(HostFacts.atLeast("5.18.0", 5, 18)).isTrue();
        assertThat(HostFacts.atLeast("6.1.0-57-amd64", 5, 18)).isTrue();
        assertThat(HostFacts.atLeast("5.17.15", 5, 18)).isFalse();
        assertThat(HostFacts.atLeast("5.4.0", 5, 18)).isFalse();
        assertThat(HostFacts.atLeast("4.19.0", 5, 18)).isFalse();
        assertThat(new HostFacts(null, true, true, true, false, LINUX_6_1_FUNCTIONS, true, "5.15.0-91-generic").byKindProblem())
                .isEqualTo("--by=kind needs Linux 5.18 or later (sched_switch's prev_state), not 5.15.0-91-generic");
        // --slower's outliers carry their kind: the same classification, refused the same way, naming --slower
        assertThat(new HostFacts(null, true, true, true, false, LINUX_6_1_FUNCTIONS, true, "5.15.0-91-generic")
                .classificationProblem("--slower"))
                .isEqualTo("--slower needs Linux 5.18 or later (sched_switch's prev_state), not 5.15.0-91-generic");
    }
}
