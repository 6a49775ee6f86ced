package io.ctxswitch.bpftrace;

import io.ctxswitch.core.model.SwitchKind;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.ExactStats;
import io.ctxswitch.core.stats.LatencyStats;
import io.ctxswitch.core.stats.LogLinearBuckets;
import io.ctxswitch.core.stats.ProcessTable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What our script's output says, gathered line by line ({@link #accept}) and turned into figures
 * ({@link #stats}). The maps arrive whole when bpftrace prints them on exit; before that, the per-CPU
 * ones arrive once a second in snapshots, which are cumulative: only the last complete one matters
 * (a bpftrace killed mid-snapshot leaves the previous one standing), and only if the final maps never
 * come. So a snapshot's lines are kept as they are and read only then, or when a terminal's status
 * line asks for the count: parsing every snapshot cost the JVM 3 % of a CPU while tracing
 * (bench/compare.sh).
 */
final class BpftraceResult {
    /**
     * How many parts each keyed map's key has at most: per CPU one, or with --by=kind two (CPU, kind), and
     * the histogram's (bucket[, kind]) likewise; per task (tid, pid, comm) three.
     */
    static final Map<String, Integer> KEY_PARTS = Map.of(
            "@ctxsw_n", 2, "@ctxsw_sum", 2, "@ctxsw_min", 2, "@ctxsw_max", 2, "@ctxsw_hist", 2,
            "@ctxsw_task_n", 3, "@ctxsw_task_sum", 3, "@ctxsw_task_min", 3, "@ctxsw_task_max", 3);
    private static final Pattern IDLE_NAME = Pattern.compile("swapper/(\\d+)");

    private final Map<String, Map<List<String>, Long>> keyed = new HashMap<>();
    private final Map<String, Long> scalars = new HashMap<>();
    private List<String> snapshotLines; // the snapshot being read, until its end line
    private List<String> lastSnapshot = List.of(); // the last complete snapshot, unparsed
    private List<String> takenSnapshot = List.of(); // the snapshot whose values are in keyed and scalars
    private long snapshotSkipped; // lines of the taken snapshot that could not be read
    private long snapshotElapsedNs = -1;
    private String probe;
    private boolean attached;
    private boolean kindsRecorded; // the script classified (it said so in BEGIN): its maps are keyed by kind too
    private boolean classify; // --by=kind: the figures are broken down by kind, where the output has them
    private long elapsedNs = -1;
    private long lost;
    private long skipped;
    private long outliersRead; // --slower: outlier lines read and handed on
    /** --slower: where outlier lines go, read back, with the clock and cgroups to read them with; null without it. */
    private java.util.function.Consumer<io.ctxswitch.core.model.Outlier> outliers;
    private io.ctxswitch.core.model.WallClock clock;
    private io.ctxswitch.core.host.CgroupPaths cgroups;

    /**
     * --slower: each outlier line is handed to {@code sink} as it is read, and the outliers lost are counted
     * ({@link #outliersLost}).
     */
    void watchOutliers(java.util.function.Consumer<io.ctxswitch.core.model.Outlier> sink,
                       io.ctxswitch.core.model.WallClock clock, io.ctxswitch.core.host.CgroupPaths cgroups) {
        this.outliers = sink;
        this.clock = clock;
        this.cgroups = cgroups;
    }

    /** --by=kind: the figures by kind, where the script recorded them ({@link #kindsRecorded}). */
    void classifyKinds() {
        classify = true;
    }

    /** Whether the script classified each switch ({@link BpftraceScript#BY_KIND}), so that the maps hold the kinds. */
    boolean kindsRecorded() {
        return kindsRecorded;
    }

    /** What to do with each line once it is taken (keep it, notice that the probes are attached). */
    interface AfterLine {
        void taken(String line) throws java.io.IOException;
    }

    /**
     * Reads bpftrace's output to its end, or until {@code stop} says so. Each line is taken under
     * this object's lock (figures may be asked for meanwhile); a line too long to hold, or one that
     * cannot be taken, is skipped and counted, and the reading goes on: a live bpftrace whose output
     * is no longer read would die of SIGPIPE.
     */
    void readAll(java.io.InputStream in, java.util.function.BooleanSupplier stop, AfterLine after) throws java.io.IOException {
        BoundedLineReader lines = new BoundedLineReader(in);
        for (String line = lines.next(); line != null && !stop.getAsBoolean(); line = lines.next()) {
            boolean taken = !lines.overlong();
            synchronized (this) {
                if (taken) {
                    try {
                        accept(line);
                    } catch (RuntimeException e) {
                        taken = false;
                    }
                }
                if (!taken) {
                    skipped++;
                }
            }
            if (taken) {
                after.taken(line);
            }
        }
    }

    /** Takes one line of output. */
    void accept(String line) {
        if (snapshotLines != null && (line.startsWith("@") || line.startsWith("{\"type\": \"map\""))) { // a map, as text or JSON
            snapshotLines.add(line);
            return;
        }
        parse(line);
    }

    private void parse(String line) {
        for (BpftraceLine.Entry entry : BpftraceLine.parse(line, KEY_PARTS)) {
            if (entry instanceof BpftraceLine.MapValue v) {
                if (v.key().isEmpty()) {
                    scalars.put(v.map(), v.value());
                } else {
                    keyed.computeIfAbsent(v.map(), k -> new HashMap<>()).put(v.key(), v.value());
                }
            } else if (entry instanceof BpftraceLine.Printed p) {
                printed(p.text());
            } else if (entry instanceof BpftraceLine.Lost l) {
                lost += l.events();
            } else if (entry instanceof BpftraceLine.Unparsable) {
                skipped++;
            }
        }
    }

    private void printed(String line) {
        String text = line.strip();
        if (text.equals(BpftraceScript.SNAPSHOT)) {
            snapshotLines = new java.util.ArrayList<>();
        } else if (text.startsWith(BpftraceScript.SNAPSHOT_END) && snapshotLines != null) {
            lastSnapshot = snapshotLines;
            snapshotLines = null;
            snapshotElapsedNs = number(text.substring(BpftraceScript.SNAPSHOT_END.length()));
        } else if (text.startsWith(BpftraceScript.HEADER)) {
            probe = text.substring(BpftraceScript.HEADER.length()).strip();
        } else if (text.equals(BpftraceScript.BY_KIND)) {
            kindsRecorded = true;
        } else if (text.equals(BpftraceScript.ATTACHED)) {
            attached = true;
        } else if (text.startsWith(BpftraceScript.OUTLIER)) {
            if (outliers != null) {
                io.ctxswitch.core.model.Outlier o = BpftraceOutlier.parse(text, clock, cgroups);
                if (o == null) {
                    skipped++;
                } else {
                    outliers.accept(o);
                    outliersRead++;
                }
            } // a replay (without --slower) passes over them: they are the script's, not junk
        } else if (text.startsWith(BpftraceScript.ELAPSED)) {
            snapshotLines = null; // END: the maps printed from now on are the final ones
            try {
                elapsedNs = Long.parseLong(text.substring(BpftraceScript.ELAPSED.length()).strip());
            } catch (NumberFormatException e) {
                skipped++;
            }
        } else {
            skipped++;
        }
    }

    /** The probe mode the script's first line names, or null. */
    String probe() {
        return probe;
    }

    /** Whether the script said that its probes are attached. */
    boolean attached() {
        return attached;
    }

    /** How long bpftrace ran, from the script's END, or -1. */
    long elapsedNs() {
        return elapsedNs;
    }

    /** bpftrace's run time at the last complete snapshot, or -1 if none was seen. */
    long snapshotElapsedNs() {
        return snapshotElapsedNs;
    }

    /** Whether the script's END was seen: the maps that follow are the final figures. */
    boolean ended() {
        return elapsedNs >= 0;
    }

    /** Switches in the figures so far (the last snapshot's while bpftrace runs). */
    long switches() {
        takeSnapshotUnlessEnded();
        return map("@ctxsw_n").values().stream().mapToLong(Long::longValue).filter(n -> n > 0).sum();
    }

    /**
     * Without the final maps (bpftrace still runs, or was killed), the figures are the last complete
     * snapshot's: each is parsed once, when first asked for; its values are cumulative, so they
     * replace the previous one's, and so does its count of lines that could not be read.
     */
    private void takeSnapshotUnlessEnded() {
        if (!ended() && takenSnapshot != lastSnapshot) {
            long before = skipped;
            lastSnapshot.forEach(this::parse);
            snapshotSkipped = skipped - before;
            skipped = before;
            takenSnapshot = lastSnapshot;
        }
    }

    /** Whether any of our maps was seen (in a complete snapshot, or printed at the end). */
    boolean hasMaps() {
        takeSnapshotUnlessEnded();
        return scalars.keySet().stream().anyMatch(n -> n.startsWith("@ctxsw_"))
                || keyed.keySet().stream().anyMatch(n -> n.startsWith("@ctxsw_"));
    }

    /**
     * Whether the figures have their distribution: the final maps always do; a snapshot does only
     * where the script prints the histogram in it (see {@link BpftraceScript#snapshotMaps}).
     */
    boolean hasDistribution() {
        takeSnapshotUnlessEnded();
        return !map(BpftraceScript.HISTOGRAM).isEmpty() || switches() == 0;
    }

    /** Counts {@code lines} passed over before the output was read (junk before it) as skipped. */
    synchronized void skippedBefore(long lines) {
        skipped += lines;
    }

    long skippedLines() {
        return skipped + (ended() ? 0 : snapshotSkipped);
    }

    /** The figures: exact per CPU and in total, the distribution from the buckets, per task if kept. */
    LatencyStats stats() {
        takeSnapshotUnlessEnded();
        LatencyStats stats = new LatencyStats();
        boolean byKind = classify && kindsRecorded;
        if (byKind) {
            stats.kinds().markClassified();
        }
        // Per CPU, or with --by=kind per CPU and kind (its kinds added up here, exactly): the exact figures.
        Map<Long, ExactStats> cpus = new java.util.TreeMap<>();
        ExactStats[] kinds = new ExactStats[SwitchKind.values().length];
        ExactStats all = new ExactStats();
        for (Map.Entry<List<String>, Long> e : map("@ctxsw_n").entrySet()) {
            List<String> key = e.getKey();
            long count = e.getValue();
            long cpu = number(key.get(0));
            int kind = key.size() == 2 ? kindOf(key.get(1)) : -1;
            if (count <= 0 || cpu < 0 || key.size() == 2 && kind < 0) {
                continue;
            }
            ExactStats figures = new ExactStats();
            figures.add(count, map("@ctxsw_sum").getOrDefault(key, 0L), map("@ctxsw_min").getOrDefault(key, 0L),
                    map("@ctxsw_max").getOrDefault(key, 0L));
            cpus.computeIfAbsent(cpu, c -> new ExactStats()).add(figures);
            all.add(figures);
            if (kind >= 0) {
                (kinds[kind] == null ? kinds[kind] = new ExactStats() : kinds[kind]).add(figures);
            }
        }
        cpus.forEach((cpu, f) -> stats.addCpu(cpu.intValue(), f.count(), f.sumNs(), f.minNs(), f.maxNs()));
        for (int k = 0; k < kinds.length; k++) {
            if (byKind && kinds[k] != null) {
                stats.kinds().add(SwitchKind.values()[k], kinds[k].count(), kinds[k].sumNs(), kinds[k].minNs(), kinds[k].maxNs());
            }
        }
        for (Map.Entry<List<String>, Long> e : map("@ctxsw_hist").entrySet()) {
            long b = number(e.getKey().get(0));
            int kind = e.getKey().size() == 2 ? kindOf(e.getKey().get(1)) : -1;
            if (b < 0 || b >= LogLinearBuckets.COUNT || e.getValue() <= 0 || e.getKey().size() == 2 && kind < 0) {
                continue;
            }
            stats.addToDistribution(LogLinearBuckets.representative((int) b, all.minNs(), all.maxNs()), e.getValue());
            if (byKind && kinds[kind] != null) {
                stats.kinds().addToDistribution(SwitchKind.values()[kind],
                        LogLinearBuckets.representative((int) b, kinds[kind].minNs(), kinds[kind].maxNs()), e.getValue());
            }
        }
        addTasks(stats.processes());
        stats.addUnpaired(scalars.getOrDefault("@ctxsw_unpaired", 0L));
        stats.addNoSwitch(scalars.getOrDefault("@ctxsw_no_switch", 0L));
        stats.addFiltered(scalars.getOrDefault(BpftraceScript.FILTERED_MAP, 0L));
        stats.addUntimed(scalars.getOrDefault("@ctxsw_untimed_start", 0L), scalars.getOrDefault("@ctxsw_untimed_end", 0L));
        if (outliers != null) {
            long outliersLost = outliersLost();
            stats.addOutliersLost(outliersLost);
            stats.addLost(Math.max(0, lost - outliersLost)); // lost events beyond them were the script's other output
        } else {
            stats.addLost(lost);
        }
        stats.addSkippedLines(skippedLines());
        return stats;
    }

    /**
     * Everything measured so far, for an exporter ({@code --serve}): the last complete snapshot's figures
     * (the final maps' once bpftrace has printed them), which are cumulative, so a later reading never
     * has less. The script keeps one histogram for all CPUs, so this is one entry for all CPUs
     * ({@link CumulativeFigures.Cpu#ALL_CPUS}). Its count is the histogram's own, exact (each sample is
     * in one bucket), so that {@code _count} and the buckets agree; its sum is the exact sum that the
     * same snapshot printed just before the histogram. bpftrace reads a map key by key while the probes
     * run, so the two can differ by the samples of the moments between those reads (0 to 15 a snapshot
     * in the recorded ones, of 4,000 a second); the final maps, printed once the probes are detached,
     * agree exactly. Only for a script that snapshots its histogram ({@link BpftraceScript#snapshotMaps}).
     * With --by=kind, where the script keyed its maps by kind, also each kind's figures, all CPUs together, read
     * from the same maps: the kinds' buckets and sums add up to the total's exactly.
     */
    CumulativeFigures cumulative() {
        takeSnapshotUnlessEnded();
        int kinds = SwitchKind.values().length;
        long[][] buckets = new long[kinds + 1][LogLinearBuckets.COUNT]; // by kind, the total last
        long[] sums = new long[kinds + 1];
        for (Map.Entry<List<String>, Long> e : map(BpftraceScript.HISTOGRAM).entrySet()) {
            long b = number(e.getKey().get(0));
            int kind = e.getKey().size() == 2 ? kindOf(e.getKey().get(1)) : kinds;
            if (b >= 0 && b < LogLinearBuckets.COUNT && kind >= 0 && e.getValue() > 0) {
                buckets[kinds][(int) b] += e.getValue();
                if (kind < kinds) {
                    buckets[kind][(int) b] += e.getValue();
                }
            }
        }
        for (Map.Entry<List<String>, Long> e : map("@ctxsw_sum").entrySet()) {
            int kind = e.getKey().size() == 2 ? kindOf(e.getKey().get(1)) : kinds;
            if (number(e.getKey().get(0)) >= 0 && kind >= 0 && e.getValue() > 0) {
                sums[kinds] += e.getValue();
                if (kind < kinds) {
                    sums[kind] += e.getValue();
                }
            }
        }
        long count = java.util.Arrays.stream(buckets[kinds]).sum();
        List<CumulativeFigures.Cpu> all = count == 0 ? List.of()
                : List.of(new CumulativeFigures.Cpu(CumulativeFigures.Cpu.ALL_CPUS, count, sums[kinds], buckets[kinds]));
        List<CumulativeFigures.Kind> byKind = new java.util.ArrayList<>();
        if (classify && kindsRecorded && count > 0) { // every kind, so that each is served from the first scrape
            for (SwitchKind k : SwitchKind.values()) {
                long[] b = buckets[k.ordinal()];
                byKind.add(new CumulativeFigures.Kind(k, CumulativeFigures.Cpu.ALL_CPUS, java.util.Arrays.stream(b).sum(),
                        sums[k.ordinal()], b));
            }
        }
        return new CumulativeFigures(all, scalars.getOrDefault("@ctxsw_unpaired", 0L), scalars.getOrDefault("@ctxsw_no_switch", 0L),
                outliers == null ? lost : 0, // with --slower, lost events are lost outliers (see stats), not lost switches
                byKind, null);
    }

    /**
     * --slower: the outliers the probes emitted ({@link BpftraceScript#EMITTED_MAP}, in the final maps) less those read.
     * bpftrace 0.23 stops on SIGTERM (what BpftraceSource sends) or SIGINT so (src/bpftrace.cpp: BPFtrace::run, poll_output,
     * perf_event_printer; 0.17 the same with its perf buffers): the handler sets a flag, and from then on every event its
     * callback is handed is dropped, neither printed nor counted lost (the first drop detaches the probes). A signal that
     * comes while it waits for events leaves the buffer to the drain below, which prints it; one that comes while it hands
     * them over (a busy run, its output written slower than the probes emit) drops the rest of the backlog, as libbpf's
     * ring_buffer__consume() goes on to the end of the ring (30 of 447 outliers in a BpftraceContainerIT run beside two
     * more busy loops). Then every probe is detached (a program already running finishes within microseconds, long before
     * the drain's 100 ms wait ends: the one window left, not seen), END runs, the buffer is drained, and the maps are
     * printed. So the count and the histogram are read after the last probe ran, and agree exactly: each outlier is
     * counted in the branch that printf's it, after its switch went into the histogram. The count includes the events
     * bpftrace reports lost (a full buffer: the printf fails, the count stays), so those are not added again. Without the final maps (bpftrace killed before its END), only the events it reported
     * lost are known: a lower bound.
     */
    long outliersLost() {
        if (scalars.containsKey(BpftraceScript.EMITTED_MAP)) {
            return Math.max(0, scalars.get(BpftraceScript.EMITTED_MAP) - outliersRead);
        }
        // bpftrace 0.17 prints a count never written as 0; one that printed nothing would mean the same after END.
        return ended() ? 0 : lost;
    }

    private void addTasks(ProcessTable table) {
        // A task renamed by exec has an entry per name; the table keeps the name added last, so the
        // name with the most switches goes in last.
        List<Map.Entry<List<String>, Long>> tasks = new java.util.ArrayList<>(map("@ctxsw_task_n").entrySet());
        tasks.sort(Map.Entry.comparingByValue());
        for (Map.Entry<List<String>, Long> e : tasks) {
            List<String> key = e.getKey();
            if (key.size() != 3 || number(key.get(0)) < 0 || number(key.get(1)) < 0) {
                skipped++;
                continue;
            }
            int tid = (int) number(key.get(0));
            String comm = key.get(2).strip();
            int cpu = 0;
            Matcher idle = IDLE_NAME.matcher(comm);
            if (tid == 0 && idle.matches()) {
                cpu = Integer.parseInt(idle.group(1)); // one idle task per CPU, all with tid 0
            }
            table.add(ProcessTable.taskKey(tid, cpu), tid, (int) number(key.get(1)), comm, e.getValue(),
                    map("@ctxsw_task_sum").getOrDefault(key, 0L), map("@ctxsw_task_min").getOrDefault(key, 0L),
                    map("@ctxsw_task_max").getOrDefault(key, 0L));
        }
    }

    /** The kind the script numbered {@code text} ({@link SwitchKind}'s order), or -1. */
    private static int kindOf(String text) {
        long k = number(text);
        return k >= 0 && k < SwitchKind.values().length ? (int) k : -1;
    }

    private Map<List<String>, Long> map(String name) {
        return keyed.getOrDefault(name, Map.of());
    }

    private static long number(String text) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
