package io.ctxswitch.libbpf;

import io.ctxswitch.core.host.Capabilities;
import io.ctxswitch.core.spi.Availability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the sched-tp mode needs from this host, gathered once, and the decision made from it. The
 * decision is a pure function so that every missing piece and its message is tested without
 * having to break a real machine.
 *
 * @param libbpfProblem why libbpf cannot be used (missing, too old), or null
 * @param privileged CAP_BPF with CAP_PERFMON, or CAP_SYS_ADMIN
 * @param root the effective user is root (who, in a container, may still lack the capabilities)
 * @param btf the kernel describes itself in BTF (/sys/kernel/btf/vmlinux)
 * @param schedTracepoints the kernel has sched_entry_tp and sched_exit_tp
 * @param kernelRelease for messages
 */
record HostFacts(String libbpfProblem, boolean privileged, boolean root, boolean btf, boolean schedTracepoints,
                 String kernelRelease) {
    static final Path VMLINUX_BTF = Path.of("/sys/kernel/btf/vmlinux");

    Availability schedTpAvailability() {
        if (libbpfProblem != null) {
            return Availability.missing(libbpfProblem);
        }
        if (!privileged) {
            return Availability.missing("tracing with BPF needs root (or CAP_BPF and CAP_PERFMON): "
                    + Capabilities.howToGet(root, "CAP_BPF and CAP_PERFMON"));
        }
        if (!btf) {
            return Availability.missing("kernel " + kernelRelease + " has no BTF (" + VMLINUX_BTF
                    + "): the libbpf backend needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
        }
        if (!schedTracepoints) {
            return Availability.missing("kernel " + kernelRelease + " has no sched_entry_tp/sched_exit_tp tracepoints"
                    + " (Linux 6.15 or later): the libbpf backend's sched-tp mode cannot run here");
        }
        return Availability.ok("libbpf with sched_entry_tp/sched_exit_tp on kernel " + kernelRelease);
    }

    /** The facts of this host. Never throws: what cannot be read counts as missing. */
    static HostFacts gather() {
        String release = read(Path.of("/proc/sys/kernel/osrelease")).strip();
        Capabilities capabilities = Capabilities.current();
        boolean privileged = capabilities.canTraceWithBpf();
        boolean root = capabilities.root();
        boolean btf = Files.isReadable(VMLINUX_BTF);
        Libbpf lib;
        try {
            lib = Libbpf.load();
        } catch (io.ctxswitch.core.spi.SourceException e) {
            return new HostFacts(e.getMessage(), privileged, root, btf, false, release);
        }
        boolean tracepoints = btf && hasBtfTypes(lib, "btf_trace_sched_entry_tp", "btf_trace_sched_exit_tp");
        return new HostFacts(null, privileged, root, btf, tracepoints, release);
    }

    private static boolean hasBtfTypes(Libbpf lib, String... typedefs) {
        com.sun.jna.Pointer btf = lib.api.btf__load_vmlinux_btf();
        if (btf == null) {
            return false;
        }
        try {
            for (String name : typedefs) {
                if (lib.api.btf__find_by_name_kind(btf, name, LibBpf.BTF_KIND_TYPEDEF) < 0) {
                    return false;
                }
            }
            return true;
        } finally {
            lib.api.btf__free(btf);
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
