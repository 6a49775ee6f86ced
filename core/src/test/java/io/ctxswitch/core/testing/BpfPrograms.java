package io.ctxswitch.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * BPF programs loaded in the kernel, as bpftool lists them, by id: ctxswitch's own (named ctxsw_*),
 * and what each costs per run. A test compares the ids it finds with those loaded before it began,
 * so that programs of other instances (or of an earlier test, which the kernel frees only after an
 * RCU grace period) do not count.
 */
public final class BpfPrograms {
    private static final Path BPFTOOL = Path.of("/usr/sbin/bpftool");
    private static final Path BPF_STATS = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    private static final Pattern PROG_ID = Pattern.compile("(?m)^prog_id:\\s+(\\d+)$");
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

    /** Id to {run_time_ns, run_cnt} of every loaded BPF program (both 0 unless kernel.bpf_stats_enabled is on). */
    public static Map<Integer, long[]> costs() throws Exception {
        LiveTestSkip.unless(Files.isExecutable(BPFTOOL), "bpftool is missing (apt-get install bpftool): the programs' costs cannot be read");
        Process p = new ProcessBuilder(BPFTOOL.toString(), "prog", "show", "--json").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("bpftool prog show --json failed: " + out);
        }
        Map<Integer, long[]> costs = new TreeMap<>();
        for (JsonNode prog : new ObjectMapper().readTree(out)) {
            costs.put(prog.get("id").asInt(), new long[] {prog.path("run_time_ns").asLong(), prog.path("run_cnt").asLong()});
        }
        return costs;
    }

    /**
     * The kernel's measure of what the programs loaded since {@code before} (ids) cost per run, summed over
     * those that ran at least {@code minRuns} times (e.g. once per switch of a workload), from
     * {@link #costs} read while they were loaded: run_time_ns / run_cnt, averaged over all their runs.
     */
    public static double costPerRun(Map<Integer, long[]> costs, Set<Integer> before, long minRuns) {
        double sum = 0;
        for (Map.Entry<Integer, long[]> e : costs.entrySet()) {
            if (!before.contains(e.getKey()) && e.getValue()[1] >= minRuns && e.getValue()[1] > 0) {
                sum += (double) e.getValue()[0] / e.getValue()[1];
            }
        }
        return sum;
    }

    /**
     * Turns kernel.bpf_stats_enabled on (the kernel then measures each program's run time) until the
     * returned handle is closed, which restores the setting found.
     */
    public static AutoCloseable statsEnabled() throws IOException {
        String found = Files.readString(BPF_STATS).strip();
        Files.writeString(BPF_STATS, "1");
        return () -> Files.writeString(BPF_STATS, found);
    }

    /**
     * The ids of our programs loaded now but not in {@code before}, once the kernel has had up to 5 s to
     * free closed ones (it does so after an RCU grace period, not at once), leaving out those that a
     * live process holds which is not {@code ours}: another ctxswitch running on the machine meanwhile.
     * A program that nothing holds and that is still loaded after 5 s was leaked (a pin, a link).
     */
    public static Set<Integer> leftSince(Set<Integer> before, LongPredicate ours) throws Exception {
        Set<Integer> left = new TreeSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        do {
            left = new TreeSet<>(ours().keySet());
            left.removeAll(before);
            if (!left.isEmpty()) {
                Map<Integer, Set<Long>> holders = holders();
                left.removeIf(id -> {
                    Set<Long> pids = holders.getOrDefault(id, Set.of());
                    return !pids.isEmpty() && pids.stream().noneMatch(ours::test);
                });
            }
            if (left.isEmpty()) {
                break;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        return left;
    }

    /** {@link #leftSince(Set, LongPredicate)} where only this JVM's holdings count as ours. */
    public static Set<Integer> leftSince(Set<Integer> before) throws Exception {
        long self = ProcessHandle.current().pid();
        return leftSince(before, pid -> pid == self);
    }

    /** Program id to the pids of the live processes that hold it, through a program or link descriptor. */
    private static Map<Integer, Set<Long>> holders() throws IOException {
        Map<Integer, Set<Long>> holders = new TreeMap<>();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                long pid = Long.parseLong(process.getFileName().toString());
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fdinfo"))) {
                    for (Path fd : fds) {
                        Matcher m = PROG_ID.matcher(Files.readString(fd));
                        if (m.find()) {
                            holders.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new TreeSet<>()).add(pid);
                        }
                    }
                } catch (IOException | java.io.UncheckedIOException goneOrClosed) {
                    // the process ended, or a descriptor closed, while being read
                }
            }
        }
        return holders;
    }
}
