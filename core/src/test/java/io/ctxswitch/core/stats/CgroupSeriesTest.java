package io.ctxswitch.core.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * --serve --by=cgroup's series ({@link CgroupSeries}), fed as a source feeds them: the intervals it closes, and at
 * each scrape the open one's figures so far. The top cgroups get series of their own and keep them, the rest is one
 * series, and whatever the cgroups do between scrapes and closes every series only grows, all of them add up to the
 * cgroups' switches, and what is kept per cgroup stays bounded.
 */
@Timeout(60)
class CgroupSeriesTest {
    private static final int BUCKETS = 40;
    private static final LongFunction<String> NO_PATHS = id -> null;

    /** A cgroup's figures in one interval (or its open part): {@code count} switches of about 2^bucket ns. */
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
        Map<String, CgroupSeries.Series> served = byLabel(new CgroupSeries().series(cgroups, NO_PATHS));
        assertThat(served).containsOnlyKeys("/c0", "/c1", "/c2", "/c3", "/c4", "/c5", "/c6", "/c7", "/c8", "/c9", CgroupSeries.OTHER);
        assertThat(served.get("/c3").count()).isEqualTo(97);
        assertThat(served.get("/c3").sumNs()).isEqualTo(97 * 1024);
        assertThat(served.get(CgroupSeries.OTHER).count()).isEqualTo(90 + 89 + 88 + 87 + 1000);
        assertThat(served.get(CgroupSeries.OTHER).log2Buckets()[12]).isEqualTo(1000);
    }

    /**
     * A cgroup whose switches all fell in intervals closed since the previous scrape (a short-lived one, or any with
     * scrapes less often than closes) is ranked by them and gets its series with all of them; one served before keeps
     * adding its closed intervals.
     */
    @Test
    void closedIntervalsWaitForTheNextScrapeWhichServesThem() {
        CgroupSeries series = new CgroupSeries();
        series.series(List.of(), NO_PATHS);
        series.closed(List.of(cgroup(100, "/job", 300, 10), cgroup(101, "/quiet", 2, 10)));
        series.closed(List.of(cgroup(100, "/job", 200, 11)));
        Map<String, CgroupSeries.Series> one = byLabel(series.series(List.of(), NO_PATHS));
        assertThat(one.get("/job").count()).isEqualTo(500);
        assertThat(one.get("/job").log2Buckets()[11]).isEqualTo(200);
        assertThat(one.get("/quiet").count()).isEqualTo(2);
        assertThat(one.get(CgroupSeries.OTHER).count()).isZero();

        series.closed(List.of(cgroup(102, "/job", 40, 10))); // /job removed and created again: a new id, the same series
        series.closed(List.of(cgroup(103, null, 9, 10))); // removed before its path was read
        Map<String, CgroupSeries.Series> two = byLabel(series.series(List.of(cgroup(102, "/job", 1, 3)), NO_PATHS));
        assertThat(two.get("/job").count()).isEqualTo(541);
        assertThat(two.get(CgroupSeries.OTHER).count()).isEqualTo(9);
    }

    /** A path unknown when its interval closed is asked again at the scrape: the cgroup still exists and is found. */
    @Test
    void aPathUnknownAtTheCloseIsLookedUpAtTheScrape() {
        CgroupSeries series = new CgroupSeries();
        series.closed(List.of(cgroup(100, null, 30, 10)));
        Map<String, CgroupSeries.Series> served = byLabel(series.series(List.of(), id -> id == 100 ? "/late-path" : null));
        assertThat(served.get("/late-path").count()).isEqualTo(30);
    }

    /**
     * A cgroup that enters the top ten later gets its series from then on: what a scrape showed in "other" stays
     * there, whether it was of a closed interval or of the open one, so "other" does not go back; one that leaves the
     * top ten keeps its series.
     */
    @Test
    void aCgroupThatEntersTheTopLaterLeavesWhatOtherShowedOfItThere() {
        CgroupSeries series = new CgroupSeries();
        List<CumulativeFigures.Cgroup> open = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            open.add(cgroup(100 + i, "/c" + i, 50, 10));
        }
        open.add(cgroup(200, "/late", 5, 10));
        Map<String, CgroupSeries.Series> one = byLabel(series.series(open, NO_PATHS));
        assertThat(one.get(CgroupSeries.OTHER).count()).isEqualTo(5);

        List<CumulativeFigures.Cgroup> later = new ArrayList<>(open.subList(0, 10)); // the same interval, later
        later.add(cgroup(200, "/late", 500, 10));
        Map<String, CgroupSeries.Series> two = byLabel(series.series(later, NO_PATHS));
        assertThat(two.get("/late").count()).as("its switches since the previous scrape").isEqualTo(495);
        assertThat(two.get(CgroupSeries.OTHER).count()).as("its 5 before stay in other").isEqualTo(5);

        later.set(10, cgroup(200, "/late", 520, 10));
        series.closed(later); // the interval ends with 520 of /late: 5 shown in other, the rest its series'
        Map<String, CgroupSeries.Series> three = byLabel(series.series(List.of(), NO_PATHS));
        assertThat(three.get("/late").count()).isEqualTo(515);
        assertThat(three.get(CgroupSeries.OTHER).count()).isEqualTo(5);
        assertThat(three).containsKey("/c9").as("still served although no longer in the top ten");
        assertThat(total(series.series(List.of(), NO_PATHS))).isEqualTo(10 * 50 + 520);
    }

    /**
     * The ranking counts switches since the previous scrape: a cgroup shown in "other" whose path becomes known later in
     * the same interval, with no switch since, is not given a series that would hold nothing.
     */
    @Test
    void whatAScrapeShowedIsNotRankedAgain() {
        CgroupSeries series = new CgroupSeries();
        series.series(List.of(cgroup(100, null, 500, 10)), NO_PATHS); // its path not read yet: in other
        Map<String, CgroupSeries.Series> two = byLabel(series.series(List.of(cgroup(100, "/found-late", 500, 10)), NO_PATHS));
        assertThat(two).containsOnlyKeys(CgroupSeries.OTHER);
        assertThat(two.get(CgroupSeries.OTHER).count()).isEqualTo(500);
        Map<String, CgroupSeries.Series> three = byLabel(series.series(List.of(cgroup(100, "/found-late", 530, 10)), NO_PATHS));
        assertThat(three.get("/found-late").count()).as("its 30 switches since").isEqualTo(30);
    }

    /**
     * Switches that a scrape showed while their interval was open are not ranked again once it closes: the cgroup
     * switched into most since the previous scrape gets its series, though cgroups served before had more in the
     * interval that closed meanwhile.
     */
    @Test
    void aClosedIntervalIsRankedByWhatNoScrapeShowed() {
        CgroupSeries series = new CgroupSeries();
        List<CumulativeFigures.Cgroup> open = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            open.add(cgroup(100 + i, "/busy" + i, 7_000, 10));
            series.series(open, NO_PATHS); // each in turn, scraped after it: each the top one since the scrape before
        }
        open.add(cgroup(200, "/new", 5_000, 10));
        series.closed(open); // the interval closes after /new's turn, before the scrape
        assertThat(byLabel(series.series(List.of(), NO_PATHS))).as("/new: 5,000 since the previous scrape, the others none")
                .containsKey("/new");
    }

    /** No more than MAX_SERVED cgroup series, however many cgroups take turns at the top. */
    @Test
    void theNumberOfSeriesIsCapped() {
        CgroupSeries series = new CgroupSeries();
        long all = 0;
        for (int round = 0; round < 20; round++) {
            List<CumulativeFigures.Cgroup> interval = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                interval.add(cgroup(1000 + round * 10 + i, "/r" + round + "/c" + i, 1000, 10));
                all += 1000;
            }
            series.closed(interval);
            assertThat(series.series(List.of(), NO_PATHS)).hasSizeLessThanOrEqualTo(CgroupSeries.MAX_SERVED + 1);
        }
        List<CgroupSeries.Series> last = series.series(List.of(), NO_PATHS);
        assertThat(last).hasSize(CgroupSeries.MAX_SERVED + 1);
        assertThat(total(last)).isEqualTo(all);
    }

    /**
     * Cgroups coming and going by the hundred thousand with no scrape for a long time: what is kept per cgroup stays
     * within MAX_PENDING (plus those of the open interval), and none of their switches is lost.
     */
    @Test
    void whatIsKeptPerCgroupIsBoundedWhateverTheChurn() {
        CgroupSeries series = new CgroupSeries();
        long all = 0;
        long id = 1000;
        for (int interval = 0; interval < 1000; interval++) {
            List<CumulativeFigures.Cgroup> closing = new ArrayList<>();
            for (int i = 0; i < 100; i++, id++) {
                closing.add(cgroup(id, "/pod" + id, 1 + id % 7, (int) (id % BUCKETS)));
                all += 1 + id % 7;
            }
            series.closed(closing);
            assertThat(series.cgroupsKept()).isLessThanOrEqualTo(CgroupSeries.MAX_PENDING);
        }
        List<CgroupSeries.Series> now = series.series(List.of(cgroup(id, "/pod" + id, 3, 5)), NO_PATHS);
        assertThat(total(now)).isEqualTo(all + 3);
        assertThat(series.cgroupsKept()).as("only the open interval's cgroups shown in other").isLessThanOrEqualTo(1);
    }

    /**
     * Random cgroups with random switches in random intervals, closed and scraped in random order (several closes
     * between two scrapes, several scrapes in one interval), appearing late, gaining their path late, with paths
     * reused: at every scrape each series' count, sum and every bucket is at least the previous scrape's, and the
     * series add up to every switch so far, closed or open.
     */
    @Test
    void everySeriesOnlyGrowsAndTheyAddUpToTheCgroups() {
        Random random = new Random(15);
        CgroupSeries series = new CgroupSeries();
        Map<Long, String> pathOf = new HashMap<>(); // the paths known now (a cgroup's is found some time after it appears)
        Map<Long, CumulativeFigures.Cgroup> open = new HashMap<>();
        long closedCount = 0;
        long closedSum = 0;
        Map<String, CgroupSeries.Series> before = Map.of();
        for (int step = 0; step < 3000; step++) {
            int what = random.nextInt(10);
            if (what < 6) { // switches into a few cgroups in the open interval
                for (int i = 0; i < 3; i++) {
                    long id = 1 + random.nextInt(300);
                    if (random.nextInt(5) == 0) {
                        pathOf.put(id, "/g" + (id % 70));
                    }
                    CumulativeFigures.Cgroup old = open.get(id);
                    long[] b = old == null ? new long[BUCKETS] : old.log2Buckets().clone();
                    int bucket = random.nextInt(BUCKETS);
                    long n = 1 + random.nextInt(id < 20 ? 1000 : 10);
                    b[bucket] += n;
                    open.put(id, new CumulativeFigures.Cgroup(id, pathOf.get(id), (old == null ? 0 : old.count()) + n,
                            (old == null ? 0 : old.sumNs()) + n * bucket, b));
                }
            } else if (what < 8) { // the source closes the interval
                series.closed(new ArrayList<>(open.values()));
                for (CumulativeFigures.Cgroup c : open.values()) {
                    closedCount += c.count();
                    closedSum += c.sumNs();
                }
                open.clear();
            } else { // a scrape
                List<CgroupSeries.Series> now = series.series(new ArrayList<>(open.values()), pathOf::get);
                Map<String, CgroupSeries.Series> labelled = byLabel(now);
                assertThat(labelled.keySet()).as("step %d: a series once served stays", step).containsAll(before.keySet());
                assertThat(labelled).hasSizeLessThanOrEqualTo(CgroupSeries.MAX_SERVED + 1);
                for (CgroupSeries.Series s : now) {
                    CgroupSeries.Series previous = before.get(s.cgroup());
                    long inBuckets = 0;
                    for (int i = 0; i < s.log2Buckets().length; i++) {
                        long was = previous == null || i >= previous.log2Buckets().length ? 0 : previous.log2Buckets()[i];
                        assertThat(s.log2Buckets()[i]).as("step %d, %s, bucket %d", step, s.cgroup(), i).isGreaterThanOrEqualTo(was);
                        inBuckets += s.log2Buckets()[i];
                    }
                    assertThat(s.count()).as("step %d, %s", step, s.cgroup()).isEqualTo(inBuckets)
                            .isGreaterThanOrEqualTo(previous == null ? 0 : previous.count());
                    assertThat(s.sumNs()).isGreaterThanOrEqualTo(previous == null ? 0 : previous.sumNs());
                }
                assertThat(total(now)).as("step %d", step).isEqualTo(closedCount + open.values().stream().mapToLong(CumulativeFigures.Cgroup::count).sum());
                assertThat(now.stream().mapToLong(CgroupSeries.Series::sumNs).sum())
                        .isEqualTo(closedSum + open.values().stream().mapToLong(CumulativeFigures.Cgroup::sumNs).sum());
                before = labelled;
            }
        }
        assertThat(before).as("the test served some cgroups and kept others in other").hasSizeGreaterThan(11);
    }
}
