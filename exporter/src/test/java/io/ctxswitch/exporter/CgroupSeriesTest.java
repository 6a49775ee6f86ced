package io.ctxswitch.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.stats.CumulativeFigures;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * --serve --by=cgroup's series ({@link CgroupSeries}): the top cgroups get series of their own and keep them, the
 * rest is one series, and whatever the cgroups do between scrapes every series only grows and all of them add up
 * to the cgroups' switches.
 */
@Timeout(60)
class CgroupSeriesTest {
    private static final int BUCKETS = 40;

    /** A cgroup's cumulative figures: {@code count} switches of about 2^bucket ns. */
    private static CumulativeFigures.Cgroup cgroup(long id, String path, long count, int bucket) {
        long[] b = new long[BUCKETS];
        b[bucket] = count;
        return new CumulativeFigures.Cgroup(id, path, count, count * (1L << bucket), b);
    }

    private static Map<String, CgroupSeries.Series> byLabel(List<CgroupSeries.Series> series) {
        Map<String, CgroupSeries.Series> all = new HashMap<>();
        for (CgroupSeries.Series s : series) {
            assertThat(all.put(s.cgroup(), s)).as("one series per label: %s", s.cgroup()).isNull();
        }
        return all;
    }

    private static long total(List<CgroupSeries.Series> series) {
        return series.stream().mapToLong(CgroupSeries.Series::count).sum();
    }

    @Test
    void theTopTenHaveSeriesOfTheirOwnAndTheRestIsOther() {
        List<CumulativeFigures.Cgroup> cgroups = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            cgroups.add(cgroup(100 + i, "/c" + i, 100 - i, 10));
        }
        cgroups.add(cgroup(7, null, 1000, 12)); // removed before its path was read: no label to give it
        Map<String, CgroupSeries.Series> served = byLabel(new CgroupSeries().series(cgroups));
        assertThat(served).containsOnlyKeys("/c0", "/c1", "/c2", "/c3", "/c4", "/c5", "/c6", "/c7", "/c8", "/c9", CgroupSeries.OTHER);
        assertThat(served.get("/c3").count()).isEqualTo(97);
        assertThat(served.get("/c3").sumNs()).isEqualTo(97 * 1024);
        assertThat(served.get(CgroupSeries.OTHER).count()).isEqualTo(90 + 89 + 88 + 87 + 1000);
        assertThat(served.get(CgroupSeries.OTHER).log2Buckets()[12]).isEqualTo(1000);
    }

    /**
     * A cgroup that enters the top ten later gets its series from then on: what the previous scrape had put in
     * "other" stays there, so "other" does not go back; one that leaves the top ten keeps its series.
     */
    @Test
    void aCgroupThatEntersTheTopLaterLeavesItsPastInOther() {
        CgroupSeries series = new CgroupSeries();
        List<CumulativeFigures.Cgroup> first = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            first.add(cgroup(100 + i, "/c" + i, 50, 10));
        }
        first.add(cgroup(200, "/late", 5, 10));
        Map<String, CgroupSeries.Series> one = byLabel(series.series(first));
        assertThat(one.get(CgroupSeries.OTHER).count()).isEqualTo(5);

        List<CumulativeFigures.Cgroup> second = new ArrayList<>(first.subList(0, 10));
        second.add(cgroup(200, "/late", 500, 10));
        Map<String, CgroupSeries.Series> two = byLabel(series.series(second));
        assertThat(two.get("/late").count()).as("its switches since the previous scrape").isEqualTo(495);
        assertThat(two.get(CgroupSeries.OTHER).count()).as("its 5 before stay in other").isEqualTo(5);
        assertThat(two).containsKey("/c9").as("still served although no longer in the top ten");
        assertThat(total(series.series(second))).isEqualTo(10 * 50 + 500);
    }

    /** A path removed and created again is another cgroup id with the same label: one series, never two. */
    @Test
    void aCgroupCreatedAgainUnderTheSamePathJoinsItsSeries() {
        CgroupSeries series = new CgroupSeries();
        series.series(List.of(cgroup(100, "/app", 40, 10)));
        Map<String, CgroupSeries.Series> two = byLabel(series.series(List.of(cgroup(100, "/app", 40, 10), cgroup(101, "/app", 7, 11))));
        assertThat(two.get("/app").count()).isEqualTo(47);
        assertThat(two.get(CgroupSeries.OTHER).count()).isZero();
    }

    /** No more than MAX_SERVED cgroup series, however many cgroups take turns at the top. */
    @Test
    void theNumberOfSeriesIsCapped() {
        CgroupSeries series = new CgroupSeries();
        List<CumulativeFigures.Cgroup> cgroups = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 10; i++) {
                cgroups.add(cgroup(1000 + round * 10 + i, "/r" + round + "/c" + i, 1000 * (round + 1), 10));
            }
            assertThat(series.series(cgroups)).hasSizeLessThanOrEqualTo(CgroupSeries.MAX_SERVED + 1);
        }
        List<CgroupSeries.Series> last = series.series(cgroups);
        assertThat(last).hasSize(CgroupSeries.MAX_SERVED + 1);
        assertThat(total(last)).isEqualTo(cgroups.stream().mapToLong(CumulativeFigures.Cgroup::count).sum());
    }

    /**
     * Random cgroups growing at random, appearing late, gaining their path late: at every scrape each series'
     * count, sum and every bucket is at least the previous scrape's, and the series add up to the cgroups'.
     */
    @Test
    void everySeriesOnlyGrowsAndTheyAddUpToTheCgroups() {
        Random random = new Random(15);
        CgroupSeries series = new CgroupSeries();
        Map<Long, CumulativeFigures.Cgroup> cgroups = new HashMap<>();
        Map<String, CgroupSeries.Series> before = Map.of();
        for (int scrape = 0; scrape < 300; scrape++) {
            for (int i = 0; i < 5; i++) {
                long id = 1 + random.nextInt(80);
                CumulativeFigures.Cgroup old = cgroups.get(id);
                long[] b = old == null ? new long[BUCKETS] : old.log2Buckets().clone();
                int bucket = random.nextInt(BUCKETS);
                long n = 1 + random.nextInt(id < 20 ? 1000 : 10);
                b[bucket] += n;
                String path = old != null && old.path() != null ? old.path() : random.nextInt(4) == 0 ? null : "/g" + (id % 60);
                cgroups.put(id, new CumulativeFigures.Cgroup(id, path, (old == null ? 0 : old.count()) + n,
                        (old == null ? 0 : old.sumNs()) + n * bucket, b));
            }
            List<CgroupSeries.Series> now = series.series(new ArrayList<>(cgroups.values()));
            Map<String, CgroupSeries.Series> labelled = byLabel(now);
            assertThat(labelled.keySet()).as("scrape %d: a series once served stays", scrape).containsAll(before.keySet());
            for (CgroupSeries.Series s : now) {
                CgroupSeries.Series previous = before.get(s.cgroup());
                long inBuckets = 0;
                for (int i = 0; i < s.log2Buckets().length; i++) {
                    long was = previous == null || i >= previous.log2Buckets().length ? 0 : previous.log2Buckets()[i];
                    assertThat(s.log2Buckets()[i]).as("scrape %d, %s, bucket %d", scrape, s.cgroup(), i).isGreaterThanOrEqualTo(was);
                    inBuckets += s.log2Buckets()[i];
                }
                assertThat(s.count()).as("scrape %d, %s", scrape, s.cgroup()).isEqualTo(inBuckets)
                        .isGreaterThanOrEqualTo(previous == null ? 0 : previous.count());
                assertThat(s.sumNs()).isGreaterThanOrEqualTo(previous == null ? 0 : previous.sumNs());
            }
            assertThat(total(now)).isEqualTo(cgroups.values().stream().mapToLong(CumulativeFigures.Cgroup::count).sum());
            assertThat(now.stream().mapToLong(CgroupSeries.Series::sumNs).sum())
                    .isEqualTo(cgroups.values().stream().mapToLong(CumulativeFigures.Cgroup::sumNs).sum());
            before = labelled;
        }
    }
}
