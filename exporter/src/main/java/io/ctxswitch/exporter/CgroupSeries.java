package io.ctxswitch.exporter;

import io.ctxswitch.core.report.Summary;
import io.ctxswitch.core.stats.CumulativeFigures;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which cgroups {@code --serve --by=cgroup} serves as series of their own, and what each series holds, so that
 * every series only grows while the process lives and the series add up to every attributed switch:
 *
 * <ul>
 * <li>at each scrape, the {@link #TOP} cgroups switched into most since start (the text report's N) get a series
 *     of their own, labelled with their path, if they have none yet; a cgroup once served stays served, up to
 *     {@link #MAX_SERVED} series, after which no new one is added;</li>
 * <li>{@value #OTHER} holds every other cgroup (one removed before its path was read among them: it has no path
 *     to be labelled with), and keeps what it held of a cgroup before that cgroup got its own series: that series
 *     counts from the scrape before it appeared (what the previous scrape put in {@value #OTHER}, it leaves there);</li>
 * <li>cgroup ids are the kernel's; a path removed and created again is a new id with the same path, served in the
 *     same series (its switches before it joined stay in {@value #OTHER} likewise).</li>
 * </ul>
 *
 * So the {@value #OTHER} series and each cgroup's only grow, and their sum is the switches of every cgroup. Not
 * thread-safe: scrapes are one at a time (LatencyCollector).
 */
final class CgroupSeries {
    /** The text report's number of cgroups. */
    static final int TOP = Summary.TOP_CGROUPS;
    /** The most cgroup series ever served (and {@value #OTHER}): the cardinality bound (README, "Cardinality"). */
    static final int MAX_SERVED = 50;
    /** The label value of the rest; no path is that (paths start with "/"). */
    static final String OTHER = "other";

    /** One series: its label value, and its figures (count, sum, samples per power of two of nanoseconds). */
    record Series(String cgroup, long count, long sumNs, long[] log2Buckets) {
    }

    /** Figures that add and subtract: a cgroup's, a series', a baseline. */
    private static final class Figures {
        long count;
        long sumNs;
        long[] buckets = new long[0];

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
    }

    /** Each served label's baseline: what {@value #OTHER} kept of its cgroups when they joined it. In serving order. */
    private final Map<String, Figures> served = new LinkedHashMap<>();
    /** The cgroup ids that have joined a served label. */
    private final Set<Long> joined = new HashSet<>();
    /** Each cgroup's figures at the previous scrape. */
    private Map<Long, CumulativeFigures.Cgroup> previous = Map.of();

    /** The series of this scrape: each served cgroup's, in the order they were first served, then {@value #OTHER}. */
    List<Series> series(List<CumulativeFigures.Cgroup> cgroups) {
        promoteTop(cgroups);
        Map<String, Figures> bySeries = new LinkedHashMap<>();
        for (String label : served.keySet()) {
            bySeries.put(label, new Figures());
        }
        Figures other = new Figures();
        Map<Long, CumulativeFigures.Cgroup> now = new HashMap<>();
        for (CumulativeFigures.Cgroup c : cgroups) {
            now.put(c.id(), c);
            Figures series = c.path() == null ? null : bySeries.get(c.path());
            if (series != null && joined.add(c.id())) { // joins now: what OTHER showed of it so far stays there
                CumulativeFigures.Cgroup before = previous.get(c.id());
                if (before != null) {
                    served.get(c.path()).add(before.count(), before.sumNs(), before.log2Buckets(), 1);
                }
            }
            (series != null ? series : other).add(c.count(), c.sumNs(), c.log2Buckets(), 1);
        }
        previous = now;
        List<Series> all = new ArrayList<>(bySeries.size() + 1);
        for (Map.Entry<String, Figures> s : bySeries.entrySet()) {
            Figures baseline = served.get(s.getKey());
            Figures f = s.getValue();
            f.add(baseline, -1);
            other.add(baseline, 1);
            all.add(new Series(s.getKey(), f.count, f.sumNs, f.buckets));
        }
        all.add(new Series(OTHER, other.count, other.sumNs, other.buckets));
        return all;
    }

    /** Gives the {@link #TOP} cgroups by count their own series, those that have none, while fewer than {@link #MAX_SERVED} are. */
    private void promoteTop(List<CumulativeFigures.Cgroup> cgroups) {
        Map<String, Long> countByPath = new HashMap<>();
        for (CumulativeFigures.Cgroup c : cgroups) {
            if (c.path() != null) {
                countByPath.merge(c.path(), c.count(), Long::sum);
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
