package io.ctxswitch.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ctxswitch's BPF programs (named ctxsw_*) loaded in the kernel, as bpftool lists them, by id: a test
 * compares the ids it finds with those loaded before it began, so that programs of other instances
 * (or of an earlier test, which the kernel frees only after an RCU grace period) do not count.
 */
public final class BpfPrograms {
    private static final Path BPFTOOL = Path.of("/usr/sbin/bpftool");
    private static final Pattern OURS = Pattern.compile("(?m)^(\\d+): \\w+\\s+name (ctxsw_\\w+)");

    private BpfPrograms() {
    }

    /** Id to name of every loaded ctxsw_* program (skips the test, or fails it under CI, without bpftool). */
    public static Map<Integer, String> ours() throws Exception {
        LiveTestSkip.unless(Files.isExecutable(BPFTOOL), "bpftool is missing (apt-get install bpftool): loaded programs cannot be listed");
        Process p = new ProcessBuilder(BPFTOOL.toString(), "prog", "show").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("bpftool prog show failed: " + out);
        }
        Map<Integer, String> ids = new TreeMap<>();
        Matcher m = OURS.matcher(out);
        while (m.find()) {
            ids.put(Integer.parseInt(m.group(1)), m.group(2));
        }
        return ids;
    }

    /**
     * The ids of our programs loaded now but not in {@code before}, once the kernel has had up to 5 s to
     * free closed ones (it does so after an RCU grace period, not at once).
     */
    public static Set<Integer> leftSince(Set<Integer> before) throws Exception {
        Set<Integer> left = new TreeSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        do {
            left = new TreeSet<>(ours().keySet());
            left.removeAll(before);
            if (left.isEmpty()) {
                break;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        return left;
    }
}
