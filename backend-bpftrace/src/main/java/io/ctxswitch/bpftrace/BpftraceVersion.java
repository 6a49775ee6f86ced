package io.ctxswitch.bpftrace;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** bpftrace's version, from {@code bpftrace --version} ("bpftrace v0.17.0", "bpftrace v0.24.0-rc1"). */
record BpftraceVersion(int major, int minor, int patch) implements Comparable<BpftraceVersion> {
    static final BpftraceVersion OLDEST = new BpftraceVersion(0, 17, 0);
    /** rawtracepoint probes on sched_entry_tp/sched_exit_tp (docs/probes.md, "The modes"). */
    static final BpftraceVersion RAW_SCHED_TRACEPOINTS = new BpftraceVersion(0, 18, 0);
    /** kfunc/kretfunc became fentry/fexit. */
    static final BpftraceVersion FENTRY_SPELLING = new BpftraceVersion(0, 20, 0);

    private static final Pattern VERSION = Pattern.compile("v?(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    /** The version in {@code --version}'s output, or null when there is none. */
    static BpftraceVersion parse(String output) {
        Matcher m = VERSION.matcher(output == null ? "" : output);
        if (!m.find()) {
            return null;
        }
        return new BpftraceVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
    }

    boolean atLeast(BpftraceVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(BpftraceVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return "v" + major + "." + minor + "." + patch;
    }
}
