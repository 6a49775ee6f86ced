package io.ctxswitch.core.stats;

import io.ctxswitch.core.report.Summary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * What {@code --serve --by=cgroup} serves: a series per cgroup served and {@value #OTHER}, each cumulative since
 * start, built from the intervals a source closes ({@link #closed}) and, at each scrape, the open interval's
 * figures ({@link #series}). A source that closes intervals while serving frees its bounded table of the cgroups
 * gone idle (the libbpf backend's per-CPU table); this keeps their figures, in bounded memory however many cgroups
 * come and go, because it keeps series, not cgroups:
 *
 * <ul>
 * <li>at each scrape, the {@link #TOP} cgroups switched into most <em>since the previous scrape</em> (in the
 *     intervals closed since then, and the open one) get a series of their own, labelled with their path, if they
 *     have none yet; a cgroup once served stays served, up to {@link #MAX_SERVED} series, after which no new one is
 *     added;</li>
 * <li>a closed interval's figures of a cgroup wait, per cgroup, for the next scrape ({@link #MAX_PENDING} cgroups at
 *     most; the figures of others go at once to their series, or {@value #OTHER}), which adds them to the cgroup's
 *     series (one it has just been given included) or {@value #OTHER}: so a cgroup's series holds its switches from
 *     the previous scrape on, none of which any scrape has shown elsewhere;</li>
 * <li>{@value #OTHER} holds every other cgroup (one removed before its path was read among them: it has no path to
 *     be labelled with), and keeps what a scrape showed there of a cgroup of the open interval that is given a
 *     series later in that interval;</li>
 * <li>cgroup ids are the kernel's; a path removed and created again is a new id with the same path, served in the
 *     same series.</li>
 * </ul>
 *
 * So every series only grows, and their sum is every switch of the cgroups. Memory: {@link #MAX_SERVED} + 1 series,
 * {@link #MAX_PENDING} waiting cgroups, and the cgroups of one open interval that a scrape showed (as many as the
 * source's table holds). Not thread-safe: the source calls it under the lock of its drains and readings.
 */
public final class CgroupSeries {
    /** The text report's number of cgroups. */
    public static final int TOP = Summary.TOP_CGROUPS;
    /** The most cgroup series ever served (and {@value #OTHER}): the cardinality bound (README, "Cardinality"). */
    public static final int MAX_SERVED = 50;
    /** The most cgroups whose closed figures wait for the next scrape each on its own (the text report's table bound). */
    public static final int MAX_PENDING = CgroupTable.DEFAULT_CAPACITY;
    /** The label value of the rest; no path is that (paths start with "/"). */
    public static final String OTHER = "other";

    /** One series: its label value, and its figures (count, sum, samples per power of two of nanoseconds). */
    public record Series(String cgroup, long count, long sumNs, long[] log2Buckets) {
    }

    /** Figures that add and subtract: a series', a cgroup's. */
    private static final class Figures {
        long count;
        long sumNs;
        long[] buckets = new long[0];

        Figures() {
        }

        Figures(CumulativeFigures.Cgroup c) {
            add(c.count(), c.sumNs(), c.log2Buckets(), 1);
        }

        void add(long c, long s, long[] b, int sign) {
            count += sign * c;
            sumNs += sign * s;
            if (buckets.length < b.length) {
                buckets = java.util.Arrays.copyOf(buckets, b.length);
            }
            for (int i = 0; i < b.length; i++) {
                buckets[i] += sign * b[i];
            }
        }

        void add(Figures f, int sign) {
            add(f.count, f.sumNs, f.buckets, sign);
        }

        Figures copy() {
            Figures f = new Figures();
            f.add(this, 1);
            return f;
        }
    }

    /**
     * A cgroup's figures of the intervals closed since the previous scrape, its path if known, and how many of its
     * switches no scrape has counted yet (its figures less what scrapes showed of it while its interval was open).
     */
    private static final class Pending {
        String path;
        final Figures figures = new Figures();
        long sinceScrape;
    }

    /** Each served label's figures of the closed intervals, in serving order. */
    private final Map<String, Figures> served = new LinkedHashMap<>();
    /** {@value #OTHER}'s figures of the closed intervals. */
    private final Figures other = new Figures();
    /** The cgroups with closed figures not shown by any scrape yet, by id. */
    private final Map<Long, Pending> pending = new HashMap<>();
    /** What the last scrape showed in {@value #OTHER} of each cgroup of the open interval, by id. */
    private final Map<Long, Figures> shownInOther = new HashMap<>();
    /** How many switches of each cgroup of the open interval the last scrape showed (anywhere), by id: not ranked again. */
    private final Map<Long, Long> shownCount = new HashMap<>();

    /**
     * The source closed an interval: each cgroup's final figures of it (a cgroup once, all CPUs together). What a
     * scrape showed of it in {@value #OTHER} stays there; the rest waits for the next scrape.
     */
    public void closed(List<CumulativeFigures.Cgroup> interval) {
        for (CumulativeFigures.Cgroup c : interval) {
            Figures rest = new Figures(c);
            long unranked = c.count() - shownCount.getOrDefault(c.id(), 0L);
            Figures shown = shownInOther.remove(c.id());
            if (shown != null) {
                other.add(shown, 1);
                rest.add(shown, -1);
            }
            Pending p = pending.get(c.id());
            if (p == null && pending.size() >= MAX_PENDING) {
                closedFiguresOf(c.path()).add(rest, 1);
                continue;
            }
            if (p == null) {
                p = new Pending();
                pending.put(c.id(), p);
            }
            p.path = c.path() != null ? c.path() : p.path;
            p.figures.add(rest, 1);
            p.sinceScrape += unranked;
        }
        for (Figures shown : shownInOther.values()) { // none: a cgroup shown is in its interval's final figures
            other.add(shown, 1);
        }
        shownInOther.clear();
        shownCount.clear();
    }

    /**
     * A scrape: the series, each served cgroup's in the order they were first served, then {@value #OTHER}.
     *
     * @param open   each cgroup's figures so far of the open interval (a cgroup once, all CPUs together)
     * @param pathOf the path of a cgroup id now, or null, for a waiting cgroup whose path was not known at its close
     */
    public List<Series> series(List<CumulativeFigures.Cgroup> open, LongFunction<String> pathOf) {
        for (Map.Entry<Long, Pending> p : pending.entrySet()) {
            if (p.getValue().path == null) {
                p.getValue().path = pathOf.apply(p.getKey());
            }
        }
        promoteTop(open);
        for (Pending p : pending.values()) {
            closedFiguresOf(p.path).add(p.figures, 1);
        }
        pending.clear();
        Map<String, Figures> bySeries = new LinkedHashMap<>();
        served.forEach((label, f) -> bySeries.put(label, f.copy()));
        Figures otherNow = other.copy();
        Map<Long, Figures> stillShown = new HashMap<>(shownInOther);
        for (CumulativeFigures.Cgroup c : open) {
            shownCount.put(c.id(), c.count());
            Figures series = c.path() == null ? null : bySeries.get(c.path());
            Figures inOther = stillShown.remove(c.id());
            if (series == null) {
                otherNow.add(c.count(), c.sumNs(), c.log2Buckets(), 1);
                shownInOther.put(c.id(), new Figures(c));
                continue;
            }
            series.add(c.count(), c.sumNs(), c.log2Buckets(), 1);
            if (inOther != null) { // given a series in this interval: what other showed of it stays there
                series.add(inOther, -1);
                otherNow.add(inOther, 1);
            }
        }
        for (Figures shown : stillShown.values()) { // none: a cgroup's open figures are read at every scrape
            otherNow.add(shown, 1);
        }
        List<Series> all = new ArrayList<>(bySeries.size() + 1);
        bySeries.forEach((label, f) -> all.add(new Series(label, f.count, f.sumNs, f.buckets)));
        all.add(new Series(OTHER, otherNow.count, otherNow.sumNs, otherNow.buckets));
        return all;
    }

    /** The cgroups whose figures are kept one by one (waiting for a scrape, or shown in other): the bounded part. */
    int cgroupsKept() {
        return pending.size() + Math.max(shownInOther.size(), shownCount.size());
    }

    /** Where closed figures of a cgroup at {@code path} go: its series if it has one, else {@value #OTHER}. */
    private Figures closedFiguresOf(String path) {
        Figures series = path == null ? null : served.get(path);
        return series != null ? series : other;
    }

    /**
     * Gives the {@link #TOP} cgroups by count since the previous scrape (those waiting, and the open interval's) their
     * own series, those that have none, while fewer than {@link #MAX_SERVED} are.
     */
    private void promoteTop(List<CumulativeFigures.Cgroup> open) {
        Map<String, Long> countByPath = new HashMap<>();
        for (Pending p : pending.values()) {
            if (p.path != null) {
                countByPath.merge(p.path, p.sinceScrape, Long::sum);
            }
        }
        for (CumulativeFigures.Cgroup c : open) {
            if (c.path() != null) { // what the previous scrape showed of it is not since then
                countByPath.merge(c.path(), c.count() - shownCount.getOrDefault(c.id(), 0L), Long::sum);
            }
        }
        List<Map.Entry<String, Long>> ranked = new ArrayList<>(countByPath.entrySet());
        ranked.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()));
        for (Map.Entry<String, Long> e : ranked.subList(0, Math.min(TOP, ranked.size()))) {
            if (served.size() >= MAX_SERVED) {
                return;
            }
            if (e.getValue() > 0) {
                served.putIfAbsent(e.getKey(), new Figures());
            }
        }
    }
}
