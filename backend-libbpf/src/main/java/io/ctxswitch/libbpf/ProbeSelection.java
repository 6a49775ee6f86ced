package io.ctxswitch.libbpf;

import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.ProbeMode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Which probe mode to run. A named mode is taken or refused as the host's facts say (loading it
 * then tells the rest). With auto, the first of sched-tp, kprobe, fentry that the host has and that
 * really loads and attaches wins, and the ones before it say why they were not used.
 *
 * @param probe the mode to run, or null when none can
 * @param availability why it can run, or why nothing can
 * @param auto the user left the choice to us
 * @param passedOver for auto: each better mode and why it was not used
 */
record ProbeSelection(KernelProbe probe, Availability availability, boolean auto, List<String> passedOver) {
    /**
     * Most complete first: sched-tp and kprobe time every switch; fentry cannot see the return of a task
     * that had left through the notrace preempt_schedule() (its switches in are untimed).
     */
    static final List<KernelProbe> PREFERENCE = List.of(KernelProbe.SCHED_TP, KernelProbe.KPROBE, KernelProbe.FENTRY);

    /**
     * @param facts what the host has for a mode
     * @param trial loads and attaches a mode's programs and detaches them again: null if that worked,
     *              else what went wrong. Asked only for auto, and only for modes the facts allow.
     */
    static ProbeSelection choose(ProbeMode requested, Function<KernelProbe, Availability> facts,
                                 Function<KernelProbe, String> trial) {
        if (requested != ProbeMode.AUTO) {
            KernelProbe probe = KernelProbe.of(requested);
            Availability availability = facts.apply(probe);
            return new ProbeSelection(availability.available() ? probe : null, availability, false, List.of());
        }
        List<String> passedOver = new ArrayList<>();
        java.util.Set<String> reasons = new java.util.LinkedHashSet<>();
        for (KernelProbe probe : PREFERENCE) {
            Availability availability = facts.apply(probe);
            // sched-tp's tracepoints in BTF are as good as a trial: they attach wherever they exist.
            String failure = !availability.available() || probe == KernelProbe.SCHED_TP ? null : trial.apply(probe);
            if (availability.available() && failure == null) {
                return new ProbeSelection(probe, availability, true, List.copyOf(passedOver));
            }
            String why = failure != null ? failure : availability.reason();
            passedOver.add(probe.mode + ": " + why);
            reasons.add(why);
        }
        // One reason for all (libbpf missing, no privilege) is said once.
        String why = reasons.size() == 1 ? reasons.iterator().next() : "no probe mode works here: " + String.join("; ", passedOver);
        return new ProbeSelection(null, Availability.missing(why), true, List.copyOf(passedOver));
    }

    /** For auto when a better mode was passed over: "probe auto: using fentry; not sched-tp: ..."; else null. */
    String note() {
        if (probe == null || !auto || passedOver.isEmpty()) {
            return null;
        }
        return "probe auto: using " + probe.mode + "; not " + String.join("; not ", passedOver);
    }
}
