package io.ctxswitch.bpftrace;

import io.ctxswitch.core.host.CgroupPaths;
import io.ctxswitch.core.model.Outlier;
import io.ctxswitch.core.model.SwitchKind;
import io.ctxswitch.core.model.TaskState;
import io.ctxswitch.core.model.WallClock;

/**
 * An outlier's line as our script prints it ({@code --slower}), read back: a pure function of the line.
 *
 * <pre>
 * ctxswitch outlier END_NS CPU LATENCY_NS A_TID A_STATE B_TID B_CGROUP_ID KIND\tA_NAME\tB_NAME
 * </pre>
 *
 * END_NS is bpftrace's {@code nsecs} (CLOCK_MONOTONIC) when B started; A_STATE is A's state as sched_switch
 * reports it (its prev_state: read from the tracepoint by the kprobe and fentry scripts, -1 when it was not seen;
 * computed in the probe that notes the kind by the sched-tp script); KIND the {@link SwitchKind}'s ordinal, -1 where the script does not
 * classify (its kprobe and fentry modes), and absent from the lines of scripts before kinds were printed. The names come last, each after a tab, since they may hold spaces;
 * a line with a name that holds a tab itself cannot be read back (null: skipped and counted).
 */
final class BpftraceOutlier {
    private BpftraceOutlier() {
    }

    /** The outlier of {@code text} (a printed line, already stripped), or null if it is not one that reads back. */
    static Outlier parse(String text, WallClock clock, CgroupPaths cgroups) {
        if (!text.startsWith(BpftraceScript.OUTLIER)) {
            return null;
        }
        String[] parts = text.substring(BpftraceScript.OUTLIER.length()).split("\t", -1);
        if (parts.length != 3) {
            return null;
        }
        String[] f = parts[0].strip().split(" ");
        if (f.length != 7 && f.length != 8) {
            return null;
        }
        try {
            long end = Long.parseUnsignedLong(f[0]);
            int cpu = Integer.parseInt(f[1]);
            long latency = Long.parseUnsignedLong(f[2]);
            int prevTid = Integer.parseInt(f[3]);
            long state = Long.parseLong(f[4]);
            int nextTid = Integer.parseInt(f[5]);
            long cgroupId = Long.parseUnsignedLong(f[6]);
            int kind = f.length == 8 ? Integer.parseInt(f[7]) : -1;
            if (cpu < 0 || latency < 0 || kind >= SwitchKind.values().length) {
                return null;
            }
            return new Outlier(clock.epochNs(end), Outlier.TimeBase.WALL, cpu, latency, prevTid, parts[1],
                    state < 0 ? null : TaskState.letters(state), nextTid, parts[2], cgroupId, cgroups.path(cgroupId),
                    kind < 0 ? null : SwitchKind.values()[kind].label());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
