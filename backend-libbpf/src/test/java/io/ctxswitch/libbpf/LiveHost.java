package io.ctxswitch.libbpf;

import io.ctxswitch.core.testing.SchedTpHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this machine can run, decided independently of the code under test: sched-tp
 * ({@link SchedTpHost}, shared with the cli's tests) and the schedule() modes' attachment points.
 */
final class LiveHost {
    private LiveHost() {
    }

    static void assumeSchedTpCapable() {
        SchedTpHost.assumeCapable();
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
