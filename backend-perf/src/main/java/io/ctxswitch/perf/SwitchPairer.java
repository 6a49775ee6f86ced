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
    /** By CPU number, grown as higher CPUs show up. */
    private PerCpu[] cpus = new PerCpu[0];
    private final boolean byKind;
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
        PerCpu c = on(r.cpu());
        c.switchPrev = r.tid();
        c.switchNext = r.otherTid();
        c.switchLeaving = r.leaving();
        if (watch != null) { // --slower: A's state, which the OUT record that follows takes
            c.schedPrev = r.tid();
            c.schedState = r.prevState();
        }
    }

    /** Whether each pair is classified: for --by=kind, and for --slower, whose outliers carry their kind. */
    private boolean classifies() {
        return byKind || watch != null;
    }

    private void out(PerfRecord r) {
        PerCpu c = on(r.cpu());
        if (classifies()) {
            boolean described = c.switchLeaving != null && c.switchPrev == r.tid() && c.switchNext == r.otherTid();
            c.outLeaving = described ? c.switchLeaving : r.preempted() ? SwitchKind.PREEMPTED : SwitchKind.BLOCKED;
            c.switchLeaving = null;
        }
        if (c.pending) {
            unpaired();
        }
        c.pending = true;
        c.outTime = r.timeNs();
        c.outPrev = r.tid();
        c.outNext = r.otherTid();
        c.outNextPid = r.otherPid();
        c.outPrevName = names.name(r);
        if (watch != null) {
            c.outPrevState = c.schedPrev == r.tid() ? c.schedState : null;
            c.schedState = null;
        }
    }

    private void in(PerfRecord r) {
        int cpu = r.cpu();
        PerCpu c = on(cpu);
        boolean paired = c.pending && r.tid() == c.outNext && r.otherTid() == c.outPrev && r.timeNs() >= c.outTime;
        if (paired && !filter.keeps(cpu, c.outPrev, r.tid(), c.outNextPid, names.name(r))) {
            stats.addFiltered(1); // paired, but not what the filters keep: neither a sample nor unpaired
        } else if (paired) {
            // The IN names prev's process (pid/tid); the OUT named next's. The name is the IN line's task.
            stats.record(new SwitchSample(cpu, c.outTime, r.timeNs(),
                    new SwitchSample.Task(c.outPrev, r.otherPid(), c.outPrevName),
                    new SwitchSample.Task(r.tid(), c.outNextPid, names.name(r))));
            // one classification for --by=kind and for --slower's outliers
            SwitchKind kind = classifies() ? SwitchKind.of(c.outPrev == 0, r.tid() == 0, c.outLeaving) : null;
            if (byKind) {
                stats.kinds().record(kind, r.timeNs() - c.outTime);
            }
            if (times != null) {
                times.record(r.timeNs(), cpu, r.timeNs() - c.outTime);
            }
            if (cumulative != null) {
                cumulative.record(cpu, r.timeNs() - c.outTime);
            }
            long latency = r.timeNs() - c.outTime;
            if (watch != null && latency >= watch.thresholdNs()) {
                watch.sink().accept(new Outlier(watch.time(r.timeNs()), watch.base(), cpu, latency, c.outPrev,
                        c.outPrevName, c.outPrevState, r.tid(), names.name(r), -1, null, kind.label()));
            }
        } else {
            unpaired();
        }
        c.pending = false;
    }

    /** OUTs that never saw their IN become unpaired. */
    public void finish() {
        for (PerCpu c : cpus) {
            if (c.pending) {
                unpaired();
                c.pending = false;
            }
        }
    }

    /** CPU {@code cpu}'s state, the array grown (at least doubled) to hold it if it is the highest yet. */
    private PerCpu on(int cpu) {
        if (cpu >= cpus.length) {
            int had = cpus.length;
            cpus = Arrays.copyOf(cpus, Math.max(cpu + 1, had * 2));
            for (int i = had; i < cpus.length; i++) {
                cpus[i] = new PerCpu();
            }
        }
        return cpus[cpu];
    }

    /** What the pairer holds for one CPU between records: its pending OUT record, and the sched_switch line before it. */
    private static final class PerCpu {
        /** An OUT record waits for its IN; what it said follows. */
        boolean pending;
        long outTime;
        int outPrev;
        int outNext;
        int outNextPid;
        String outPrevName;
        /** --by=kind (and --slower's outliers): how the pending OUT's task left. */
        SwitchKind outLeaving;
        /** --slower: the pending OUT's task's state, from the sched_switch line before it. */
        String outPrevState;
        /** --by=kind: the last sched_switch line (prev, next, how prev left), until an OUT record takes it. */
        int switchPrev;
        int switchNext;
        SwitchKind switchLeaving;
        /** --slower: the last sched_switch's prev and its state, which the OUT record that follows it takes. */
        int schedPrev;
        String schedState;
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
