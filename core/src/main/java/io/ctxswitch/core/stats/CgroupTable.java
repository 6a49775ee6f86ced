package io.ctxswitch.core.stats;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Latency by the incoming task's cgroup v2 ({@code --by=cgroup}), bounded: once {@code capacity} cgroups
 * are known, samples of others still count in the totals, and in {@link #overflowSamples} (as do those
 * that a source's own bounded table could not take). A run without {@code --by=cgroup} leaves the table
 * untracked, and reports show no breakdown (not an empty one).
 */
public final class CgroupTable {
    public static final int DEFAULT_CAPACITY = 4096;

    private final int capacity;
    private final Map<Long, CgroupStats> byId = new HashMap<>();
    private long overflowSamples;
    private boolean tracked;

    public CgroupTable() {
        this(DEFAULT_CAPACITY);
    }

    public CgroupTable(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
    }

    /** Says that the source breaks its switches down by cgroup: the breakdown is shown even if empty. */
    public void markTracked() {
        tracked = true;
    }

    public boolean tracked() {
        return tracked;
    }

    /**
     * Exact figures of {@code count} samples into cgroup {@code id}, aggregated elsewhere (in the kernel).
     *
     * @param path its path if known now, else null (a path known before is kept)
     */
    public void add(long id, String path, long count, long sumNs, long minNs, long maxNs) {
        tracked = true;
        if (count <= 0) {
            return;
        }
        CgroupStats stats = lookup(id, path);
        if (stats == null) {
            overflowSamples += count;
            return;
        }
        stats.latency().add(count, sumNs, minNs, maxNs);
    }

    /**
     * {@code count} samples of cgroup {@code id} of about {@code valueNs}, for its distribution only; call after
     * {@link #add} of the same samples (a cgroup that did not fit has no distribution either).
     */
    public void addToDistribution(long id, long valueNs, long count) {
        CgroupStats stats = byId.get(id);
        if (stats != null && count > 0) {
            stats.distribution().recordValueWithCount(valueNs, count);
        }
    }

    /** Samples that a source's own bounded table could not attribute to a cgroup. */
    public void addOverflow(long samples) {
        overflowSamples += samples;
    }

    public void add(CgroupTable other) {
        tracked |= other.tracked;
        for (CgroupStats c : other.byId.values()) {
            ExactStats l = c.latency();
            CgroupStats mine = lookup(c.id(), c.path());
            if (mine == null) {
                overflowSamples += l.count();
            } else {
                mine.latency().add(l);
                mine.distribution().add(c.distribution());
            }
        }
        overflowSamples += other.overflowSamples;
    }

    private CgroupStats lookup(long id, String path) {
        CgroupStats stats = byId.get(id);
        if (stats == null) {
            if (byId.size() >= capacity) {
                return null;
            }
            stats = new CgroupStats(id, path);
            byId.put(id, stats);
        } else {
            stats.knownAs(path);
        }
        return stats;
    }

    public int size() {
        return byId.size();
    }

    /** Samples counted in the totals but in no cgroup's figures: a table was full. */
    public long overflowSamples() {
        return overflowSamples;
    }

    /** Every cgroup with samples, most switched-into first (ties: higher total latency first, then id). */
    public List<CgroupStats> byCount() {
        List<CgroupStats> all = new ArrayList<>();
        for (CgroupStats c : byId.values()) {
            if (!c.latency().isEmpty()) {
                all.add(c);
            }
        }
        all.sort(Comparator.comparingLong((CgroupStats c) -> c.latency().count()).reversed()
                .thenComparing(Comparator.comparingLong((CgroupStats c) -> c.latency().sumNs()).reversed())
                .thenComparingLong(CgroupStats::id));
        return all;
    }
}
