package io.ctxswitch.libbpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Decides, independently of the code under test, whether this machine can run the live tests:
 * root, kernel BTF, Linux 6.15 or later. Where it can, live tests must run (and pass); where it
 * cannot, they skip and print why.
 */
final class LiveHost {
    private LiveHost() {
    }

    static void assumeSchedTpCapable() {
        String why = whyNot();
        if (why != null) {
            System.err.println("SKIPPED live BPF test: " + why);
            Assumptions.abort(why);
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

    /**
     * The loaded BPF programs once no more than {@code alreadyThere} are named {@code name*} (other
     * instances' programs may be loaded meanwhile), waiting up to 5 s: the kernel frees
     * a closed program after an RCU grace period, not at once. Null if bpftool is missing.
     */
    static String programsOnceGone(String name, long alreadyThere) throws IOException, InterruptedException {
        String programs = loadedProgramNames();
        for (int i = 0; i < 50 && programs != null && programs.lines().filter(l -> l.contains("name " + name)).count() > alreadyThere; i++) {
            Thread.sleep(100);
            programs = loadedProgramNames();
        }
        return programs;
    }

    /** Names of loaded BPF programs, from bpftool; null if bpftool is missing. */
    static String loadedProgramNames() throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/sbin/bpftool"))) {
            return null;
        }
        Process p = new ProcessBuilder("/usr/sbin/bpftool", "prog", "show").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }
}
