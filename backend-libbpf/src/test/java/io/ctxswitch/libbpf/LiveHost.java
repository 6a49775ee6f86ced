package io.ctxswitch.libbpf;

import io.ctxswitch.core.testing.LiveTestSkip;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides, independently of the code under test, whether this machine can run the live tests:
 * root, kernel BTF, Linux 6.15 or later. Where it can, live tests must run (and pass); where it
 * cannot, they skip and print why (and fail under CI=true: {@link LiveTestSkip}).
 */
final class LiveHost {
    private LiveHost() {
    }

    static void assumeSchedTpCapable() {
        String why = whyNot();
        if (why != null) {
            LiveTestSkip.because("live BPF test: " + why);
        }
    }

    static String whyNot() {
        try {
            String status = Files.readString(Path.of("/proc/self/status"));
            Matcher uid = Pattern.compile("Uid:\\s+\\d+\\s+(\\d+)").matcher(status);
            if (!uid.find() || !uid.group(1).equals("0")) {
                return "not running as root";
            }
            if (!Files.exists(Path.of("/sys/kernel/btf/vmlinux"))) {
                return "the kernel has no BTF";
            }
            String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
            Matcher v = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
            if (!v.find()) {
                return "unreadable kernel release " + release;
            }
            int major = Integer.parseInt(v.group(1));
            int minor = Integer.parseInt(v.group(2));
            if (major < 6 || (major == 6 && minor < 15)) {
                return "kernel " + release + " predates sched_entry_tp (6.15)";
            }
            return null;
        } catch (IOException e) {
            return "cannot read /proc: " + e.getMessage();
        }
    }

    /** Kprobes, as the kernel itself announces them: the kprobe PMU exists only with CONFIG_KPROBES. */
    static boolean kernelHasKprobes() {
        return Files.isDirectory(Path.of("/sys/bus/event_source/devices/kprobe"));
    }

    /**
     * BPF trampolines (fentry) on schedule(): they patch the function's ftrace call site, so they work
     * only where ftrace may patch schedule(), which tracefs shows as schedule listed in
     * available_filter_functions (unreadable where ftrace is not allowed, as on this project's VM).
     */
    static boolean ftraceCanPatchSchedule() {
        try {
            return Files.readAllLines(Path.of("/sys/kernel/tracing/available_filter_functions")).stream()
                    .anyMatch(l -> l.equals("schedule") || l.startsWith("schedule "));
        } catch (IOException | SecurityException e) {
            return false;
        }
    }
}
