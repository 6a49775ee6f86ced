package io.ctxswitch.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether this machine can trace with the sched-tp mode, decided without the code under test: root,
 * kernel BTF, Linux 6.15 or later. Where it can, live tests must run (and pass); where it cannot, they
 * skip and say why, or fail under CI=true ({@link LiveTestSkip}).
 */
public final class SchedTpHost {
    private SchedTpHost() {
    }

    /** True if this process runs as root (effective uid 0). */
    public static boolean root() throws IOException {
        Matcher uid = Pattern.compile("Uid:\\s+\\d+\\s+(\\d+)").matcher(Files.readString(Path.of("/proc/self/status")));
        return uid.find() && uid.group(1).equals("0");
    }

    /** Skips the test (fails it under CI=true) unless this host can trace with sched-tp. */
    public static void assumeCapable() {
        String why = whyNot();
        if (why != null) {
            LiveTestSkip.because("live tracing test: " + why);
        }
    }

    /** Why this host cannot trace with sched-tp, or null if it can. */
    public static String whyNot() {
        try {
            if (!root()) {
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
}
