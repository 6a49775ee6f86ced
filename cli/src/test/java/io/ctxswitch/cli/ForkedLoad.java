package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Some roles of the coverage test's load ({@link MixedLoad}, e.g. a pipe ping-pong between two
 * processes) in processes of their own, pinned to one CPU and named as asked (their comm), which a
 * test stops and resumes as a whole (SIGSTOP, SIGCONT) to read the kernel's count of their switches
 * in between: a stopped task's last event was a switch away from it, so between two stops the
 * switches into each task are exactly the growth of its voluntary + nonvoluntary count.
 */
final class ForkedLoad implements AutoCloseable {
    private static final Pattern SWITCHES = Pattern.compile("(?m)^(voluntary|nonvoluntary)_ctxt_switches:\\s+(\\d+)$");

    private final Process process;
    /** Role to pid, the parent (which only waits) as "parent". */
    private final Map<String, Integer> pids = new LinkedHashMap<>();

    /** Skips {@code test} (fails it on CI) where a load cannot start: it is built with gcc and pinned with taskset. */
    static void assumeStartable(String test) {
        if (!Jar.onPath("gcc") || !Jar.onPath("taskset")) {
            Jar.skip(test + ": gcc or taskset is missing (apt-get install gcc util-linux)");
        }
    }

    /** Starts {@code roles} of the load on {@code cpu}, as processes named {@code name} (at most 15 bytes). */
    ForkedLoad(String name, int cpu, String... roles) throws Exception {
        Path binary = Path.of("target", "forked-load", name).toAbsolutePath();
        Files.createDirectories(binary.getParent());
        Files.copy(MixedLoad.build(), binary, StandardCopyOption.REPLACE_EXISTING); // the comm is the file's name
        process = new ProcessBuilder(concat(List.of("taskset", "-c", Integer.toString(cpu), binary.toString()), roles))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        pids.put("parent", (int) process.pid());
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line = out.readLine(); line != null && !line.equals("started"); line = out.readLine()) {
            String[] f = line.split(" ");
            pids.put(f[0], Integer.parseInt(f[1]));
        }
        assertThat(pids.keySet()).as("the load's roles").containsAll(List.of(roles));
    }

    private static List<String> concat(List<String> head, String[] tail) {
        List<String> all = new java.util.ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    int pid(String role) {
        return pids.get(role);
    }

    /** Every process of the load, the parent first. */
    List<Integer> pids() {
        return List.copyOf(pids.values());
    }

    /** Stops every process of the load and waits until each is stopped (a stop takes effect when it next runs). */
    void stop() throws Exception {
        signal("STOP");
        for (int pid : pids.values()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!state(pid).equals("T")) {
                assertThat(System.nanoTime()).as("process %d stopped", pid).isLessThan(deadline);
                Thread.sleep(10);
            }
        }
    }

    void resume() throws Exception {
        signal("CONT");
    }

    private void signal(String name) throws Exception {
        for (int pid : pids.values()) {
            new ProcessBuilder("kill", "-" + name, Integer.toString(pid)).inheritIO().start().waitFor();
        }
    }

    /** The state letter in /proc/PID/stat (after the parenthesised name, which may hold spaces). */
    private static String state(int pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    }

    /** The kernel's count of switches away from {@code role}'s process so far (voluntary + nonvoluntary). */
    long kernelSwitches(String role) throws IOException {
        return kernelSwitches(pid(role));
    }

    private static long kernelSwitches(int pid) throws IOException {
        long[] each = kernelSwitchesEach(pid);
        return each[0] + each[1];
    }

    /**
     * The kernel's count of switches away from {@code pid} so far, {voluntary, nonvoluntary}: those where it
     * went to sleep, and those where it left the CPU still runnable (preempted, or yielding).
     */
    static long[] kernelSwitchesEach(int pid) throws IOException {
        Matcher m = SWITCHES.matcher(Files.readString(Path.of("/proc/" + pid + "/status")));
        long[] each = new long[2];
        while (m.find()) {
            each[m.group(1).equals("voluntary") ? 0 : 1] += Long.parseLong(m.group(2));
        }
        return each;
    }

    /** {@link #kernelSwitches} of every process of the load, by pid. */
    Map<Integer, Long> kernelSwitches() throws IOException {
        Map<Integer, Long> counts = new LinkedHashMap<>();
        for (int pid : pids.values()) {
            counts.put(pid, kernelSwitches(pid));
        }
        return counts;
    }

    /** {@link #kernelSwitches()} of every process of {@code loads}, by pid. */
    static Map<Integer, Long> kernelSwitches(ForkedLoad... loads) throws IOException {
        Map<Integer, Long> counts = new LinkedHashMap<>();
        for (ForkedLoad load : loads) {
            counts.putAll(load.kernelSwitches());
        }
        return counts;
    }

    /**
     * Resumes this stopped load and {@code alongside}, waits (a minute at most, or the test fails) until the
     * kernel's count of switches away from {@code role} ({@link #kernelSwitches(String)}) reaches {@code count},
     * then stops them all again.
     */
    void runUntil(String role, long count, ForkedLoad... alongside) throws Exception {
        resume();
        for (ForkedLoad other : alongside) {
            other.resume();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (kernelSwitches(role) < count) {
            assertThat(System.nanoTime()).as("%s (pid %d) switched away %d times", role, pid(role), count).isLessThan(deadline);
            Thread.sleep(20);
        }
        stop();
        for (ForkedLoad other : alongside) {
            other.stop();
        }
    }

    /** Moves every process of the load into the cgroup v2 directory {@code cgroup}, one pid at a time. */
    void moveTo(Path cgroup) throws IOException {
        for (int pid : pids.values()) {
            Files.writeString(cgroup.resolve("cgroup.procs"), Integer.toString(pid));
        }
    }

    /** Kills the load: the forked roles, then the parent (whose children they are). */
    @Override
    public void close() throws Exception {
        for (Map.Entry<String, Integer> p : pids.entrySet()) {
            if (!p.getKey().equals("parent")) {
                new ProcessBuilder("kill", "-KILL", Integer.toString(p.getValue())).inheritIO().start().waitFor();
            }
        }
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }
}
