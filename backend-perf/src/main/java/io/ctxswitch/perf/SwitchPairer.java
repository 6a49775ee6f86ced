package io.ctxswitch.perf;

import io.ctxswitch.core.model.SwitchKind;
import io.ctxswitch.core.model.Outlier;
import io.ctxswitch.core.model.SwitchSample;
import io.ctxswitch.core.spi.SwitchFilter;
import io.ctxswitch.core.stats.LatencyStats;
import java.util.Arrays;

/**
 * The perf pairing rule (docs/probes.md, "Pairing rules"): an OUT record (task A, next B) at t1 on
 * a CPU and the next IN record on that CPU at t2 make a sample only if the IN's task is B, its prev
 * is A, and t2 ≥ t1. Anything else is unpaired: an IN that does not match, an OUT replaced by a
 * newer OUT, and OUTs still pending at the end. The sample belongs to B.
 */
public final class SwitchPairer {
    private LatencyStats stats;
    private boolean[] pending = new boolean[0];
    private long[] outTime = new long[0];
    private int[] outPrev = new int[0];
    private int[] outNext = new int[0];
    private int[] outNextPid = new int[0];
    private String[] outPrevName = new String[0];
    /** --by=kind: per CPU, how the pending OUT's task left, and the last sched_switch line (prev, next, how prev left). */
    private SwitchKind[] outLeaving = new SwitchKind[0];
    private int[] switchPrev = new int[0];
    private int[] switchNext = new int[0];
    private SwitchKind[] switchLeaving = new SwitchKind[0];
    private final boolean byKind;
    private String[] outPrevState = new String[0];
    /** --slower: per CPU, the last sched_switch's prev and its state, which the OUT record that follows it takes. */
    private int[] schedPrev = new int[0];
    private String[] schedState = new String[0];
    private OutlierWatch watch;
    private final CommCache names = new CommCache();

    private final io.ctxswitch.core.report.heatmap.TimeBinner times; // null unless a heat map is drawn
    private final SwitchFilter filter;
    private io.ctxswitch.core.stats.CumulativeCounts cumulative; // null unless the figures are served

    public SwitchPairer(LatencyStats stats) {
        this(stats, null, SwitchFilter.NONE);
    }

    public SwitchPairer(LatencyStats stats, io.ctxswitch.core.report.heatmap.TimeBinner times, SwitchFilter filter) {
        this(stats, times, filter, false);
    }

    /**
     * @param times also bins each sample by its time, for a heat map; or null
     * @param filter which paired switches become samples (its cgroup, which traces do not carry, is
     *               not applied: sources that use this refuse it); the others are counted as filtered
     * @param byKind also classify each sample ({@code --by=kind}): from the sched_switch line of its OUT record
     *               (prev_state), or, where the trace has none for it, from the OUT record's {@code preempt} mark
     *               (runnable: preempted; not: blocked, which then includes an exit)
     */
    public SwitchPairer(LatencyStats stats, io.ctxswitch.core.report.heatmap.TimeBinner times, SwitchFilter filter, boolean byKind) {
        this.stats = stats;
        this.times = times;
        this.filter = filter;
        this.byKind = byKind;
        if (byKind) {
            stats.kinds().markClassified();
        }
    }

    /**
     * From now on, samples and counters go into {@code next} (a live source's next interval); switches
     * still waiting for their IN stay pending and land where their IN comes.
     */
    public void into(LatencyStats next) {
        stats = next;
        if (byKind) {
            stats.kinds().markClassified();
        }
    }

    /** Also counts every sample and counter into {@code counts}, cumulatively (for --serve). */
    public SwitchPairer countingInto(io.ctxswitch.core.stats.CumulativeCounts counts) {
        cumulative = counts;
        return this;
    }

    /** --slower: hands each kept switch at or above the threshold to the watch's sink, with A's state. */
    public SwitchPairer watching(OutlierWatch watch) {
        this.watch = watch;
        return this;
    }

    public void accept(PerfRecord r) {
        switch (r.kind()) {
            case SWITCH_OUT -> out(r);
            case SWITCH_IN -> in(r);
            case LOST -> lost(r.lost());
            case SCHED_SWITCH -> schedSwitch(r);
            default -> {
            }
        }
    }

    private void lost(long n) {
        stats.addLost(n);
        if (cumulative != null) {
            cumulative.addLost(n);
        }
    }

    private void unpaired() {
        stats.addUnpaired(1);
        if (cumulative != null) {
            cumulative.addUnpaired(1);
        }
    }

    /** The kernel writes sched_switch's line just before the OUT record of the same switch, on the same CPU. */
    private void schedSwitch(PerfRecord r) {
        int cpu = grow(r.cpu());
        switchPrev[cpu] = r.tid();
        switchNext[cpu] = r.otherTid();
        switchLeaving[cpu] = r.leaving();
        if (watch != null) { // --slower: A's state, which the OUT record that follows takes
            schedPrev[cpu] = r.tid();
            schedState[cpu] = r.prevState();
        }
    }

    /** Whether each pair is classified: for --by=kind, and for --slower, whose outliers carry their kind. */
    private boolean classifies() {
        return byKind || watch != null;
    }

    private void out(PerfRecord r) {
        int cpu = grow(r.cpu());
        if (classifies()) {
            boolean described = switchLeaving[cpu] != null && switchPrev[cpu] == r.tid() && switchNext[cpu] == r.otherTid();
            outLeaving[cpu] = described ? switchLeaving[cpu] : r.preempted() ? SwitchKind.PREEMPTED : SwitchKind.BLOCKED;
            switchLeaving[cpu] = null;
        }
        if (pending[cpu]) {
            unpaired();
        }
        pending[cpu] = true;
        outTime[cpu] = r.timeNs();
        outPrev[cpu] = r.tid();
        outNext[cpu] = r.otherTid();
        outNextPid[cpu] = r.otherPid();
        outPrevName[cpu] = names.name(r);
        if (watch != null) {
            outPrevState[cpu] = schedPrev[cpu] == r.tid() ? schedState[cpu] : null;
            schedState[cpu] = null;
        }
    }

    private void in(PerfRecord r) {
        int cpu = grow(r.cpu());
        boolean paired = pending[cpu] && r.tid() == outNext[cpu] && r.otherTid() == outPrev[cpu] && r.timeNs() >= outTime[cpu];
        if (paired && !filter.keeps(cpu, outPrev[cpu], r.tid(), outNextPid[cpu], names.name(r))) {
            stats.addFiltered(1); // paired, but not what the filters keep: neither a sample nor unpaired
        } else if (paired) {
            // The IN names prev's process (pid/tid); the OUT named next's. The name is the IN line's task.
            stats.record(new SwitchSample(cpu, outTime[cpu], r.timeNs(),
                    new SwitchSample.Task(outPrev[cpu], r.otherPid(), outPrevName[cpu]),
                    new SwitchSample.Task(r.tid(), outNextPid[cpu], names.name(r))));
            // one classification for --by=kind and for --slower's outliers
            SwitchKind kind = classifies() ? SwitchKind.of(outPrev[cpu] == 0, r.tid() == 0, outLeaving[cpu]) : null;
            if (byKind) {
                stats.kinds().record(kind, r.timeNs() - outTime[cpu]);
            }
            if (times != null) {
                times.record(r.timeNs(), cpu, r.timeNs() - outTime[cpu]);
            }
            if (cumulative != null) {
                cumulative.record(cpu, r.timeNs() - outTime[cpu]);
            }
            long latency = r.timeNs() - outTime[cpu];
            if (watch != null && latency >= watch.thresholdNs()) {
                watch.sink().accept(new Outlier(watch.time(r.timeNs()), watch.base(), cpu, latency, outPrev[cpu],
                        outPrevName[cpu], outPrevState[cpu], r.tid(), names.name(r), -1, null, kind.label()));
            }
        } else {
            unpaired();
        }
        pending[cpu] = false;
    }

    /** OUTs that never saw their IN become unpaired. */
    public void finish() {
        for (int cpu = 0; cpu < pending.length; cpu++) {
            if (pending[cpu]) {
                unpaired();
                pending[cpu] = false;
            }
        }
    }

    private int grow(int cpu) {
        if (cpu >= pending.length) {
            int n = Math.max(cpu + 1, pending.length * 2);
            pending = Arrays.copyOf(pending, n);
            outTime = Arrays.copyOf(outTime, n);
            outPrev = Arrays.copyOf(outPrev, n);
            outNext = Arrays.copyOf(outNext, n);
            outNextPid = Arrays.copyOf(outNextPid, n);
            outPrevName = Arrays.copyOf(outPrevName, n);
            outLeaving = Arrays.copyOf(outLeaving, n);
            switchPrev = Arrays.copyOf(switchPrev, n);
            switchNext = Arrays.copyOf(switchNext, n);
            switchLeaving = Arrays.copyOf(switchLeaving, n);
            outPrevState = Arrays.copyOf(outPrevState, n);
            schedPrev = Arrays.copyOf(schedPrev, n);
            schedState = Arrays.copyOf(schedState, n);
        }
        return cpu;
    }

    /** Decoded task names by thread id, so that a name is decoded once, not once per switch. */
    private static final class CommCache {
        private static final int SIZE = 4096;
        private final int[] tids = new int[SIZE];
        private final byte[][] raw = new byte[SIZE][];
        private final String[] decoded = new String[SIZE];

        String name(PerfRecord r) {
            int slot = r.tid() & (SIZE - 1);
            if (raw[slot] != null && tids[slot] == r.tid() && r.commEquals(raw[slot])) {
                return decoded[slot];
            }
            tids[slot] = r.tid();
            raw[slot] = r.commBytes();
            decoded[slot] = r.comm();
            return decoded[slot];
        }
    }
}
