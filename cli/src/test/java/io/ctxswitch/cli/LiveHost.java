package io.ctxswitch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Whether this machine can trace with sched-tp, decided without the code under test. */
final class LiveHost {
    private LiveHost() {
    }

    static boolean root() throws IOException {
        Matcher uid = Pattern.compile("Uid:\\s+\\d+\\s+(\\d+)").matcher(Files.readString(Path.of("/proc/self/status")));
        return uid.find() && uid.group(1).equals("0");
    }

    static void assumeSchedTpCapable() throws IOException {
        if (!root()) {
            Jar.skip("live tracing test: not running as root");
        }
        if (!Files.exists(Path.of("/sys/kernel/btf/vmlinux"))) {
            Jar.skip("live tracing test: the kernel has no BTF");
        }
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        Matcher v = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (!v.find() || Integer.parseInt(v.group(1)) < 6 || (v.group(1).equals("6") && Integer.parseInt(v.group(2)) < 15)) {
            Jar.skip("live tracing test: kernel " + release + " predates sched_entry_tp (6.15)");
        }
    }
}
