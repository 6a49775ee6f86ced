package io.ctxswitch.libbpf;

import io.ctxswitch.core.host.Capabilities;
import io.ctxswitch.core.spi.Availability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * What each probe mode needs from this host, gathered once, and the decisions made from it. The
 * decisions are pure functions so that every missing piece and its message is tested without
 * having to break a real machine. Whether a mode then really loads and attaches is for
 * {@link ProbeSelection} to find out.
 *
 * @param libbpfProblem why libbpf cannot be used (missing, too old), or null
 * @param privileged CAP_BPF with CAP_PERFMON, or CAP_SYS_ADMIN
 * @param root the effective user is root (who, in a container, may still lack the capabilities)
 * @param btf the kernel describes itself in BTF (/sys/kernel/btf/vmlinux)
 * @param schedTracepoints the kernel has sched_entry_tp and sched_exit_tp
 * @param btfFunctions which of the functions fentry attaches to ({@link KernelProbe#START_FUNCTION} and
 *                     {@link KernelProbe#FENTRY_END_TARGETS}) the kernel's BTF has
 * @param kprobes the kernel has kprobes (the perf kprobe event source, or tracefs' kprobe_events)
 * @param kernelRelease for messages
 */
record HostFacts(String libbpfProblem, boolean privileged, boolean root, boolean btf, boolean schedTracepoints,
                 Set<String> btfFunctions, boolean kprobes, String kernelRelease) {
    static final Path VMLINUX_BTF = Path.of("/sys/kernel/btf/vmlinux");
    static final Path KPROBE_PMU = Path.of("/sys/bus/event_source/devices/kprobe");
    static final Path KPROBE_EVENTS = Path.of("/sys/kernel/tracing/kprobe_events");

    Availability availability(KernelProbe probe) {
        return switch (probe) {
            case SCHED_TP -> schedTpAvailability();
            case FENTRY -> fentryAvailability();
            case KPROBE -> kprobeAvailability();
        };
    }

    Availability schedTpAvailability() {
        Availability basics = basics();
        if (basics != null) {
            return basics;
        }
        if (!btf) {
            return noBtf("sched-tp");
        }
        if (!schedTracepoints) {
            return Availability.missing("kernel " + kernelRelease + " has no sched_entry_tp/sched_exit_tp tracepoints"
                    + " (Linux 6.15 or later): the libbpf backend's sched-tp mode cannot run here");
        }
        return ok(KernelProbe.SCHED_TP);
    }

    Availability fentryAvailability() {
        Availability basics = basics();
        if (basics != null) {
            return basics;
        }
        if (!btf) {
            return noBtf("fentry");
        }
        for (String function : new String[] {KernelProbe.START_FUNCTION, "schedule"}) {
            if (!btfFunctions.contains(function)) {
                return Availability.missing("kernel " + kernelRelease + "'s BTF has no function " + function + "():"
                        + " the libbpf backend's fentry mode cannot attach to it");
            }
        }
        return ok(KernelProbe.FENTRY);
    }

    Availability kprobeAvailability() {
        Availability basics = basics();
        if (basics != null) {
            return basics;
        }
        if (!kprobes) {
            return Availability.missing("kernel " + kernelRelease + " has no kprobes (built without CONFIG_KPROBES: no "
                    + KPROBE_PMU + "): the libbpf backend's kprobe mode cannot run here");
        }
        return ok(KernelProbe.KPROBE);
    }

    /** What every mode needs: libbpf and the privilege. Null when both are there. */
    private Availability basics() {
        if (libbpfProblem != null) {
            return Availability.missing(libbpfProblem);
        }
        if (!privileged) {
            return Availability.missing("tracing with BPF needs root (or CAP_BPF and CAP_PERFMON): "
                    + Capabilities.howToGet(root, "CAP_BPF and CAP_PERFMON"));
        }
        return null;
    }

    private Availability noBtf(String mode) {
        return Availability.missing("kernel " + kernelRelease + " has no BTF (" + VMLINUX_BTF + "): the libbpf backend's "
                + mode + " mode needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
    }

    /** Where sched_yield()'s syscall tracepoints are, which --by=kind attaches (libbpf finds them through tracefs). */
    static final java.util.List<Path> YIELD_TRACEPOINT = java.util.List.of(Path.of("/sys/kernel/tracing/events/syscalls/sys_enter_sched_yield"),
            Path.of("/sys/kernel/debug/tracing/events/syscalls/sys_enter_sched_yield"));

    /**
     * Whether --by=kind can run here: sched_switch passes prev_state from Linux 5.18 on (before, the program
     * would have to read it from the task, which this object does not), and the yield marks need sched_yield()'s
     * syscall tracepoints. Null if it can, else why not.
     */
    String byKindProblem() {
        return classificationProblem("--by=kind");
    }

    /**
     * Why the classification cannot run here, for {@code option}: --by=kind, or --slower, whose outliers carry
     * their kind (the same programs); null if it can.
     */
    String classificationProblem(String option) {
        if (!atLeast(kernelRelease, 5, 18)) {
            return option + " needs Linux 5.18 or later (sched_switch's prev_state), not " + kernelRelease;
        }
        if (YIELD_TRACEPOINT.stream().noneMatch(Files::isDirectory)) {
            return option + " needs the syscalls:sys_enter_sched_yield tracepoint, which is not in tracefs: mount it with"
                    + " 'mount -t tracefs nodev /sys/kernel/tracing' (kernels built without CONFIG_FTRACE_SYSCALLS have none)";
        }
        return null;
    }

    /** Whether a kernel release ("6.1.0-57-amd64") is at least major.minor; an unreadable one is taken as recent. */
    static boolean atLeast(String release, int major, int minor) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (!m.find()) {
            return true;
        }
        int maj = Integer.parseInt(m.group(1));
        return maj > major || maj == major && Integer.parseInt(m.group(2)) >= minor;
    }

    private Availability ok(KernelProbe probe) {
        return Availability.ok("libbpf with " + probe.points + " on kernel " + kernelRelease);
    }

    /** The facts of this host. Never throws: what cannot be read counts as missing. */
    static HostFacts gather() {
        String release = read(Path.of("/proc/sys/kernel/osrelease")).strip();
        Capabilities capabilities = Capabilities.current();
        boolean privileged = capabilities.canTraceWithBpf();
        boolean root = capabilities.root();
        boolean btf = Files.isReadable(VMLINUX_BTF);
        boolean kprobes = Files.isDirectory(KPROBE_PMU) || Files.exists(KPROBE_EVENTS);
        Libbpf lib;
        try {
            lib = Libbpf.load();
        } catch (io.ctxswitch.core.spi.SourceException e) {
            return new HostFacts(e.getMessage(), privileged, root, btf, false, Set.of(), kprobes, release);
        }
        boolean tracepoints = false;
        Set<String> functions = new HashSet<>();
        if (btf) {
            com.sun.jna.Pointer vmlinux = lib.api.btf__load_vmlinux_btf();
            if (vmlinux != null) {
                try {
                    tracepoints = has(lib, vmlinux, "btf_trace_sched_entry_tp", LibbpfNative.BTF_KIND_TYPEDEF)
                            && has(lib, vmlinux, "btf_trace_sched_exit_tp", LibbpfNative.BTF_KIND_TYPEDEF);
                    functions.add(KernelProbe.START_FUNCTION);
                    functions.addAll(KernelProbe.FENTRY_END_TARGETS.values());
                    functions.removeIf(f -> !has(lib, vmlinux, f, LibbpfNative.BTF_KIND_FUNC));
                } finally {
                    lib.api.btf__free(vmlinux);
                }
            }
        }
        return new HostFacts(null, privileged, root, btf, tracepoints, Set.copyOf(functions), kprobes, release);
    }

    private static boolean has(Libbpf lib, com.sun.jna.Pointer btf, String name, int kind) {
        return lib.api.btf__find_by_name_kind(btf, name, kind) >= 0;
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
