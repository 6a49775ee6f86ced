package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** fentry's ends are loaded only where the kernel has their function; the other modes load everything. */
class KernelProbeTest {
    @Test
    void fentryLeavesOutTheEndsOfFunctionsTheKernelLacks() {
        Set<String> linux61 = Set.of("rcu_note_context_switch", "schedule", "schedule_idle", "preempt_schedule_irq", "schedule_tail");
        assertThat(KernelProbe.FENTRY.programsFor(linux61)).containsExactly("ctxsw_fentry", "ctxsw_switch_btf", "ctxsw_fexit",
                "ctxsw_fexit_idle", "ctxsw_fexit_preempt_irq", "ctxsw_fentry_fork");
        Set<String> linux612rt = Set.of("rcu_note_context_switch", "schedule", "schedule_idle", "preempt_schedule_irq",
                "schedule_tail", "schedule_rtlock", "rt_mutex_schedule");
        assertThat(KernelProbe.FENTRY_END_TARGETS).as("schedule_rtlock is notrace").doesNotContainValue("schedule_rtlock");
        assertThat(KernelProbe.FENTRY.programsFor(linux612rt)).containsAll(KernelProbe.FENTRY.programs)
                .hasSameSizeAs(KernelProbe.FENTRY.programs);
    }

    @Test
    void theStartIsAttachedFirstAndEveryEndProgramExists() {
        for (KernelProbe probe : KernelProbe.values()) {
            assertThat(probe.programsFor(Set.of()).get(0)).as(probe + " starts first").isIn("ctxsw_entry", "ctxsw_fentry", "ctxsw_kprobe");
        }
        assertThat(KernelProbe.FENTRY.programs).containsAll(KernelProbe.FENTRY_END_TARGETS.keySet());
        assertThat(KernelProbe.KPROBE.programsFor(Set.of())).isEqualTo(KernelProbe.KPROBE.programs);
    }

    /**
     * --by=kind and --slower (whose outliers carry their kind) load the classification: the yield marks in every
     * mode, and sched-tp's own sched_switch program between its start and its end (the others classify in theirs).
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void classifyingAddsItsProgramsOnlyWhenAsked() {
        assertThat(KernelProbe.SCHED_TP.programsFor(Set.of(), true))
                .containsExactly("ctxsw_entry", "ctxsw_kind", "ctxsw_exit", "ctxsw_yield_enter", "ctxsw_yield_exit");
        assertThat(KernelProbe.KPROBE.programsFor(Set.of(), true))
                .containsExactly("ctxsw_kprobe", "ctxsw_switch_raw", KernelProbe.FINISH_PROGRAM, "ctxsw_yield_enter", "ctxsw_yield_exit");
        assertThat(KernelProbe.FENTRY.programsFor(Set.of("schedule"), true))
                .containsExactly("ctxsw_fentry", "ctxsw_switch_btf", "ctxsw_fexit", "ctxsw_yield_enter", "ctxsw_yield_exit");
        for (KernelProbe probe : KernelProbe.values()) {
            assertThat(probe.programsFor(Set.of(), false)).as(probe.name()).doesNotContain("ctxsw_kind", "ctxsw_yield_enter");
        }
    }

    @Test
    void eachModeSaysWhatItDoesNotTime() {
        assertThat(KernelProbe.KPROBE.description).contains("every entry into __schedule()");
        assertThat(KernelProbe.FENTRY.description).contains("untimed: switches into a task that had left through the notrace preempt_schedule()");
    }
}
