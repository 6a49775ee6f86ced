package io.ctxswitch.core.stats;

import io.ctxswitch.core.model.SwitchSample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The statistics engine (docs/measurement.md, "What is reported"): exact count/min/max/sum in total
 * and per CPU, a distribution in an HdrHistogram for percentiles, latency per incoming task, and
 * the counters of what was not a sample. Parts (one per drain) merge with {@link #add}, so that
 * interval reports add up to the total.
 *
 * <p>Not thread-safe: a source that records on one thread hands finished parts to another.
 */
public final class LatencyStats {
    /**
     * Three significant digits: each recorded value is kept within 0.1 % of itself. With the kernel's
     * own buckets (under 0.4 % from their midpoint) a percentile stays within the 1 % we state.
     */
    public static final int SIGNIFICANT_DIGITS = 3;

    private final ExactStats total = new ExactStats();
    private ExactStats[] perCpu = new ExactStats[0];
    /** Per CPU, the switches in the report's bins, where the source knows them (null: it does not). */
    private BinCounts[] cpuBins = new BinCounts[0];
    private final Histogram distribution = new Histogram(SIGNIFICANT_DIGITS);
    private final ProcessTable processes;
    private final KindTable kinds = new KindTable();
    private final CgroupTable cgroups = new CgroupTable();
    private long unpaired;
    private long noSwitch;
    private long untimedNoStart;
    private long untimedNoEnd;
    private long lost;
    private long outliersLost;
    private long skippedLines;
    private long filtered;

    public LatencyStats() {
        this(ProcessTable.DEFAULT_CAPACITY);
    }

    public LatencyStats(int processCapacity) {
        this.processes = new ProcessTable(processCapacity);
    }

    /** One switch; it counts for the incoming task, whose start was delayed (docs/measurement.md). */
    public void record(SwitchSample sample) {
        SwitchSample.Task next = sample.next();
        record(sample.cpu(), sample.latencyNs(), next.pid(), next.tgid(), next.comm());
    }

    /** One sample: on {@code cpu}, the incoming task {@code pid} started {@code latencyNs} after the previous one stopped. */
    public void record(int cpu, long latencyNs, int pid, int tgid, String comm) {
        if (latencyNs < 0) {
            throw new IllegalArgumentException("negative latency " + latencyNs + " ns on CPU " + cpu);
        }
        total.record(latencyNs);
        cpu(cpu).record(latencyNs);
        bins(cpu).record(latencyNs);
        distribution.recordValue(latencyNs);
        processes.record(pid, tgid, comm, cpu, latencyNs);
    }

    /** Exact figures of {@code count} samples on one CPU, aggregated elsewhere (in the kernel). */
    public void addCpu(int cpu, long count, long sumNs, long minNs, long maxNs) {
        total.add(count, sumNs, minNs, maxNs);
        cpu(cpu).add(count, sumNs, minNs, maxNs);
    }

    /**
     * {@code count} samples of one CPU in the report's bin {@code binIndex} ({@link BinCounts#index}),
     * aggregated elsewhere (in the kernel); for that CPU's histogram only.
     */
    public void addToCpuBins(int cpu, int binIndex, long count) {
        bins(cpu).add(binIndex, count);
    }

    /** {@code count} samples of about {@code valueNs}, for the distribution only. */
    public void addToDistribution(long valueNs, long count) {
        if (count > 0) {
            distribution.recordValueWithCount(valueNs, count);
        }
    }

    public void add(LatencyStats other) {
        total.add(other.total);
        for (int cpu = 0; cpu < other.perCpu.length; cpu++) {
            if (other.perCpu[cpu] != null) {
                cpu(cpu).add(other.perCpu[cpu]);
            }
        }
        for (int cpu = 0; cpu < other.cpuBins.length; cpu++) {
            if (other.cpuBins[cpu] != null) {
                bins(cpu).add(other.cpuBins[cpu]);
            }
        }
        distribution.add(other.distribution);
        processes.add(other.processes);
        kinds.add(other.kinds);
        cgroups.add(other.cgroups);
        unpaired += other.unpaired;
        noSwitch += other.noSwitch;
        untimedNoStart += other.untimedNoStart;
        untimedNoEnd += other.untimedNoEnd;
        lost += other.lost;
        outliersLost += other.outliersLost;
        skippedLines += other.skippedLines;
        filtered += other.filtered;
    }

    private ExactStats cpu(int cpu) {
        if (cpu < 0) {
            throw new IllegalArgumentException("negative CPU " + cpu);
        }
        if (cpu >= perCpu.length) {
            perCpu = Arrays.copyOf(perCpu, Math.max(cpu + 1, perCpu.length * 2));
        }
        ExactStats stats = perCpu[cpu];
        if (stats == null) {
            stats = new ExactStats();
            perCpu[cpu] = stats;
        }
        return stats;
    }

    private BinCounts bins(int cpu) {
        if (cpu < 0) {
            throw new IllegalArgumentException("negative CPU " + cpu);
        }
        if (cpu >= cpuBins.length) {
            cpuBins = Arrays.copyOf(cpuBins, Math.max(cpu + 1, cpuBins.length * 2));
        }
        if (cpuBins[cpu] == null) {
            cpuBins[cpu] = new BinCounts();
        }
        return cpuBins[cpu];
    }

    public void addUnpaired(long n) {
        unpaired += n;
    }

    public void addNoSwitch(long n) {
        noSwitch += n;
    }

    /**
     * Switches that happened (the kernel's sched_switch saw them) but could not be timed: no probe saw
     * their start, or none saw their end. Never samples, never given a start from elsewhere.
     */
    public void addUntimed(long noStart, long noEnd) {
        untimedNoStart += noStart;
        untimedNoEnd += noEnd;
    }

    /** Paired switches that the filters left out: neither samples nor unpaired (docs/filters.md). */
    public void addFiltered(long n) {
        filtered += n;
    }

    public void addLost(long n) {
        lost += n;
    }

    /**
     * {@code --slower} outliers that were measured but lost on their way to user space (a full ring
     * buffer, bpftrace's lost printf events): they count in {@link #lost} too.
     */
    public void addOutliersLost(long n) {
        outliersLost += n;
        lost += n;
    }

    /** The part of {@link #lost} that was {@code --slower} outliers. */
    public long outliersLost() {
        return outliersLost;
    }

    public void addSkippedLines(long n) {
        skippedLines += n;
    }

    public ExactStats total() {
        return total;
    }

    /**
     * The CPUs that had samples, in CPU order. A CPU can have binned samples and no exact one: the
     * kernel's histogram is read a little after an interval's exact figures are closed, so a switch
     * in between counts in this interval's bins and the next interval's exact figures (over a whole
     * run both hold every switch). Such a CPU is listed too, with empty exact figures.
     */
    public List<CpuEntry> perCpu() {
        List<CpuEntry> list = new ArrayList<>();
        for (int cpu = 0; cpu < Math.max(perCpu.length, cpuBins.length); cpu++) {
            ExactStats exact = cpu < perCpu.length && perCpu[cpu] != null ? perCpu[cpu] : new ExactStats();
            BinCounts bins = cpu < cpuBins.length ? cpuBins[cpu] : null;
            if (!exact.isEmpty() || (bins != null && !bins.isEmpty())) {
                list.add(new CpuEntry(cpu, exact, bins));
            }
        }
        return list;
    }

    /** Read-only use: the report reads percentiles and the histogram from it. */
    public Histogram distribution() {
        return distribution;
    }

    public ProcessTable processes() {
        return processes;
    }

    /** Latency by kind of switch ({@code --by=kind}); unclassified unless the source classifies. */
    public KindTable kinds() {
        return kinds;
    }

    /** Latency by the incoming task's cgroup ({@code --by=cgroup}); untracked unless the source tracks cgroups. */
    public CgroupTable cgroups() {
        return cgroups;
    }

    public long unpaired() {
        return unpaired;
    }

    public long noSwitch() {
        return noSwitch;
    }

    /** Switches seen but not timed, because no probe saw their start. */
    public long untimedNoStart() {
        return untimedNoStart;
    }

    /** Switches seen but not timed, because no probe saw their end. */
    public long untimedNoEnd() {
        return untimedNoEnd;
    }

    public long lost() {
        return lost;
    }

    public long skippedLines() {
        return skippedLines;
    }

    /** Paired switches that the filters left out. */
    public long filtered() {
        return filtered;
    }

    /** One CPU's exact figures, and its samples in the report's bins, or null where the source does not know them. */
    public record CpuEntry(int cpu, ExactStats stats, BinCounts bins) {
    }
}
