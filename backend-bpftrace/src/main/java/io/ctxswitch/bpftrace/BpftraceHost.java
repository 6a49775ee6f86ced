package io.ctxswitch.bpftrace;

import io.ctxswitch.core.host.Capabilities;
import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.ProbeMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the bpftrace backend needs from this host, and the choice of probes made from it (a pure
 * function, tested on made-up hosts). Unlike the libbpf backend, auto does not try each mode:
 * starting bpftrace takes seconds; a mode the facts allow but the kernel refuses fails with
 * bpftrace's own message.
 *
 * @param toolProblem why bpftrace cannot be used (missing, too old), or null
 * @param version bpftrace's version (null with a toolProblem)
 * @param root bpftrace itself refuses to run as anyone but root
 * @param privileged CAP_BPF with CAP_PERFMON, or CAP_SYS_ADMIN
 * @param btf the kernel has BTF (fentry needs it)
 * @param fentry bpftrace --info says fentry/kfunc works here (it loads a probe program to find out)
 * @param schedTracepoints the kernel's BTF has sched_entry_tp and sched_exit_tp (6.15 and later)
 * @param kprobes the kernel has kprobes
 * @param kernelRelease for messages
 */
record BpftraceHost(String toolProblem, BpftraceVersion version, boolean root, boolean privileged, boolean btf,
                    boolean fentry, boolean schedTracepoints, boolean kprobes, String kernelRelease) {
    /** Most complete first: kprobe times every switch before 6.15; fentry cannot end those into a task preempted through a notrace entry. */
    static final List<BpftraceProbe> PREFERENCE = List.of(BpftraceProbe.SCHED_TP, BpftraceProbe.KPROBE, BpftraceProbe.FENTRY);
    static final Path VMLINUX_BTF = Path.of("/sys/kernel/btf/vmlinux");

    /** The probes to use, or why none can be. */
    record Choice(BpftraceProbe probe, Availability availability, String note) {
    }

    Choice choose(ProbeMode requested) {
        return choose(requested, false);
    }

    /**
     * @param serving {@code --serve}: auto takes only a mode whose snapshots hold the histogram
     *                ({@link BpftraceProbe#snapshotsHistogram}); a mode named that does not was refused
     *                before (see {@link BpftraceSource#featuresLackedIn})
     */
    Choice choose(ProbeMode requested, boolean serving) {
        Availability basics = basics();
        if (basics != null) {
            return new Choice(null, basics, null);
        }
        if (requested != ProbeMode.AUTO) {
            BpftraceProbe probe = BpftraceProbe.of(requested);
            Availability a = availability(probe);
            return new Choice(a.available() ? probe : null, a, null);
        }
        List<BpftraceProbe> candidates = serving ? PREFERENCE.stream().filter(BpftraceProbe::snapshotsHistogram).toList() : PREFERENCE;
        List<String> passedOver = new ArrayList<>();
        for (BpftraceProbe probe : candidates) {
            Availability a = availability(probe);
            if (a.available()) {
                // Said only when a better mode was passed over: the best needs no explaining.
                String note = passedOver.isEmpty() ? null
                        : "probe auto: using " + probe.mode + "; not " + String.join("; not ", passedOver);
                return new Choice(probe, a, note);
            }
            passedOver.add(probe.mode + ": " + a.reason());
        }
        if (serving) {
            return new Choice(null, Availability.missing("--serve with bpftrace needs a mode whose snapshots hold the histogram ("
                    + BpftraceSource.NOT_SERVING + "): " + String.join("; ", passedOver)), null);
        }
        return new Choice(null, Availability.missing("no probe mode works here: " + String.join("; ", passedOver)), null);
    }

    private Availability basics() {
        if (toolProblem != null) {
            return Availability.missing(toolProblem);
        }
        if (!root || !privileged) {
            String missing = !root ? "root" : "CAP_SYS_ADMIN (or CAP_BPF and CAP_PERFMON)";
            return Availability.missing("bpftrace needs root with CAP_SYS_ADMIN (or CAP_BPF and CAP_PERFMON); this process lacks "
                    + missing + ": " + Capabilities.howToGet(root, missing));
        }
        return null;
    }

    Availability availability(BpftraceProbe probe) {
        switch (probe) {
            case SCHED_TP -> {
                if (!version.atLeast(BpftraceVersion.RAW_SCHED_TRACEPOINTS)) {
                    return Availability.missing("bpftrace " + version + " cannot attach to sched_entry_tp (0.18 or later can)");
                }
                if (!schedTracepoints) {
                    return Availability.missing("kernel " + kernelRelease + " has no sched_entry_tp/sched_exit_tp tracepoints (Linux 6.15 or later)");
                }
            }
            case FENTRY -> {
                if (!btf) {
                    return Availability.missing("kernel " + kernelRelease + " has no BTF (" + VMLINUX_BTF + "), which fentry needs");
                }
                if (!fentry) {
                    return Availability.missing("bpftrace --info says fentry does not work on kernel " + kernelRelease);
                }
            }
            case KPROBE -> {
                if (!kprobes) {
                    return Availability.missing("kernel " + kernelRelease + " has no kprobes (built without CONFIG_KPROBES)");
                }
            }
        }
        return Availability.ok("bpftrace " + version + " with " + probe.points + " on kernel " + kernelRelease);
    }

    /**
     * The facts of this host for {@code tool}. Never throws: what cannot be read counts as missing.
     * bpftrace --info is asked about fentry only when the choice can come to it.
     */
    static BpftraceHost gather(BpftraceTool tool, String toolProblem, ProbeMode requested) {
        String release = read(Path.of("/proc/sys/kernel/osrelease")).strip();
        Capabilities caps = Capabilities.current();
        boolean btf = Files.isReadable(VMLINUX_BTF);
        boolean kprobes = Files.isDirectory(Path.of("/sys/bus/event_source/devices/kprobe"))
                || Files.exists(Path.of("/sys/kernel/tracing/kprobe_events"));
        boolean schedTracepoints = btf && btfNames(VMLINUX_BTF, "btf_trace_sched_entry_tp", "btf_trace_sched_exit_tp");
        boolean schedTpUsable = schedTracepoints && tool != null && tool.version().atLeast(BpftraceVersion.RAW_SCHED_TRACEPOINTS);
        boolean askInfo = requested == ProbeMode.FENTRY || requested == ProbeMode.AUTO && !schedTpUsable && !kprobes;
        boolean fentry = btf && tool != null && (!askInfo || tool.fentrySupported());
        return new BpftraceHost(toolProblem, tool == null ? null : tool.version(), caps.root(), caps.canTraceWithBpf(), btf, fentry,
                schedTracepoints, kprobes, release);
    }

    /** Whether the BTF's string section holds these names (the tracepoints' typedefs). */
    private static boolean btfNames(Path btf, String... names) {
        try {
            String text = new String(Files.readAllBytes(btf), StandardCharsets.ISO_8859_1);
            for (String name : names) {
                if (!text.contains("\0" + name + "\0")) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            return false;
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
