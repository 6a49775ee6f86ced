package io.ctxswitch.core.spi;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which switches to keep (docs/filters.md): all the filters are about the incoming task B, whose start
 * was delayed, except {@code excludeIdle}, which also looks at A; a switch is kept when it passes every
 * filter given. A switch left out is neither a sample nor unpaired: sources count it as filtered.
 * Values are validated here, once, so that a backend receives only numbers and a bounded name.
 *
 * @param pids       tgids of B ({@code --pid}); empty for any
 * @param tids       tids of B ({@code --tid}); empty for any
 * @param comm       B's name ({@code --comm}), at most {@link #COMM_MAX_BYTES} bytes; null for any
 * @param cgroup     a cgroup v2 directory: B in it or below it ({@code --cgroup}); null for any
 * @param cpus       the CPUs ({@code --cpus}); empty for all
 * @param excludeIdle no switch from or to an idle task, pid 0 ({@code --exclude-idle})
 */
public record SwitchFilter(SortedSet<Integer> pids, SortedSet<Integer> tids, String comm, Path cgroup,
                           SortedSet<Integer> cpus, boolean excludeIdle) {

    /** The kernel keeps 16 bytes of a task's name, the last one its terminating zero. */
    public static final int COMM_MAX_BYTES = 15;
    /** CPUs a filter can name: the kernel's largest NR_CPUS in distribution builds (the BPF bitmap's size). */
    public static final int MAX_CPUS = 8192;

    public static final SwitchFilter NONE = new SwitchFilter(new TreeSet<>(), new TreeSet<>(), null, null, new TreeSet<>(), false);

    public SwitchFilter {
        pids = Collections.unmodifiableSortedSet(new TreeSet<>(pids));
        tids = Collections.unmodifiableSortedSet(new TreeSet<>(tids));
        cpus = Collections.unmodifiableSortedSet(new TreeSet<>(cpus));
        if (comm != null) {
            checkComm(comm);
        }
        for (int cpu : cpus) {
            if (cpu < 0 || cpu >= MAX_CPUS) {
                throw new IllegalArgumentException("--cpus: CPU " + cpu + " is out of range (0 to " + (MAX_CPUS - 1) + ")");
            }
        }
    }

    public boolean isEmpty() {
        return pids.isEmpty() && tids.isEmpty() && comm == null && cgroup == null && cpus.isEmpty() && !excludeIdle;
    }

    /** What these filters ask of a backend, each with the option that asks it. */
    public Map<Feature, String> features() {
        Map<Feature, String> wanted = new LinkedHashMap<>();
        if (!pids.isEmpty()) {
            wanted.put(Feature.PID_FILTER, "--pid");
        }
        if (!tids.isEmpty()) {
            wanted.put(Feature.TID_FILTER, "--tid");
        }
        if (comm != null) {
            wanted.put(Feature.COMM_FILTER, "--comm");
        }
        if (cgroup != null) {
            wanted.put(Feature.CGROUP_FILTER, "--cgroup");
        }
        if (!cpus.isEmpty()) {
            wanted.put(Feature.CPU_FILTER, "--cpus");
        }
        if (excludeIdle) {
            wanted.put(Feature.IDLE_FILTER, "--exclude-idle");
        }
        return wanted;
    }

    /**
     * Whether a switch on {@code cpu} from a task of pid {@code prevPid} to task {@code nextTid} of
     * process {@code nextTgid} named {@code nextComm} is kept, for sources that see every switch in
     * user space. {@code cgroup} cannot be decided from these: such sources refuse it.
     */
    public boolean keeps(int cpu, int prevPid, int nextTid, int nextTgid, String nextComm) {
        return (cpus.isEmpty() || cpus.contains(cpu))
                && (!excludeIdle || (prevPid != 0 && nextTid != 0))
                && (pids.isEmpty() || pids.contains(nextTgid))
                && (tids.isEmpty() || tids.contains(nextTid))
                && (comm == null || comm.equals(nextComm));
    }

    /** The filters in force as the report says them ("pid 12,40; cpus 0-3,8; exclude-idle"), or null for none. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (!pids.isEmpty()) {
            parts.add("pid " + join(pids));
        }
        if (!tids.isEmpty()) {
            parts.add("tid " + join(tids));
        }
        if (comm != null) {
            parts.add("comm '" + comm + "'");
        }
        if (cgroup != null) {
            parts.add("cgroup " + cgroup + " and below");
        }
        if (!cpus.isEmpty()) {
            parts.add("cpus " + cpuList(cpus));
        }
        if (excludeIdle) {
            parts.add("exclude-idle");
        }
        return parts.isEmpty() ? null : String.join("; ", parts);
    }

    private static String join(SortedSet<Integer> ids) {
        return String.join(",", ids.stream().map(String::valueOf).toList());
    }

    /** A CPU set in the kernel's list syntax, ranges joined: {0,1,2,3,8} is "0-3,8". */
    public static String cpuList(SortedSet<Integer> cpus) {
        StringBuilder out = new StringBuilder();
        Integer first = null;
        Integer last = null;
        for (int cpu : cpus) {
            if (last != null && cpu == last + 1) {
                last = cpu;
                continue;
            }
            appendRange(out, first, last);
            first = cpu;
            last = cpu;
        }
        appendRange(out, first, last);
        return out.toString();
    }

    private static void appendRange(StringBuilder out, Integer first, Integer last) {
        if (first == null) {
            return;
        }
        if (out.length() > 0) {
            out.append(',');
        }
        out.append(first);
        if (!last.equals(first)) {
            out.append('-').append(last);
        }
    }

    /**
     * A list of process or thread ids, "12" or "12,40": positive decimal numbers (pid 0, the idle
     * tasks, is what {@code --exclude-idle} is for).
     *
     * @throws IllegalArgumentException one line naming {@code option} and what is wrong
     */
    public static SortedSet<Integer> parseIds(String option, String text) {
        SortedSet<Integer> ids = new TreeSet<>();
        if (text.isBlank()) {
            throw new IllegalArgumentException(option + " needs at least one id, e.g. " + option + "=1234 or " + option + "=1234,5678");
        }
        for (String item : text.split(",", -1)) {
            String id = item.strip();
            if (!id.matches("[0-9]{1,10}") || Long.parseLong(id) < 1 || Long.parseLong(id) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(option + "=" + text + ": '" + item + "' is not a process or thread id"
                        + " (positive numbers, separated by commas)");
            }
            ids.add(Integer.parseInt(id));
        }
        return ids;
    }

    /**
     * A CPU list in the kernel's syntax ({@code /sys/devices/system/cpu/online}): "0-3,8".
     *
     * @throws IllegalArgumentException one line saying what is wrong
     */
    public static SortedSet<Integer> parseCpus(String text) {
        SortedSet<Integer> cpus = new TreeSet<>();
        if (text.isBlank()) {
            throw new IllegalArgumentException("--cpus needs a CPU list, e.g. --cpus=0-3,8");
        }
        for (String item : text.split(",", -1)) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s*([0-9]{1,5})(?:-([0-9]{1,5}))?\\s*").matcher(item);
            if (!m.matches()) {
                throw new IllegalArgumentException("--cpus=" + text + ": '" + item + "' is neither a CPU nor a range (e.g. 0-3,8)");
            }
            int from = Integer.parseInt(m.group(1));
            int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
            if (to < from) {
                throw new IllegalArgumentException("--cpus=" + text + ": the range '" + item.strip() + "' runs backwards");
            }
            if (to >= MAX_CPUS) {
                throw new IllegalArgumentException("--cpus=" + text + ": CPU " + to + " is out of range (0 to " + (MAX_CPUS - 1) + ")");
            }
            for (int cpu = from; cpu <= to; cpu++) {
                cpus.add(cpu);
            }
        }
        return cpus;
    }

    /**
     * A task name as the kernel keeps it: 1 to 15 bytes of UTF-8 without a NUL. Any other bytes are
     * allowed (they are compared as data, never used as code).
     *
     * @throws IllegalArgumentException one line saying what is wrong
     */
    public static String checkComm(String comm) {
        int bytes = comm.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0) {
            throw new IllegalArgumentException("--comm needs a task name, e.g. --comm=nginx");
        }
        if (bytes > COMM_MAX_BYTES) {
            throw new IllegalArgumentException("--comm='" + comm + "' is " + bytes + " bytes: the kernel keeps task names"
                    + " to " + COMM_MAX_BYTES + " bytes, so no task has it (use the first " + COMM_MAX_BYTES + ")");
        }
        if (comm.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("--comm cannot contain a NUL byte");
        }
        return comm;
    }
}
