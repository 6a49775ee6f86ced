package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import io.ctxswitch.core.host.CgroupPaths;
import io.ctxswitch.core.report.Summary;
import io.ctxswitch.core.stats.CgroupSeries;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LatencyStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** --by=cgroup's reading of struct cpu_cgroup[cpus * CPU_CGROUPS], written here as cgroup_add() writes it. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CgroupAreaReaderTest {
    private static final int CPUS = 2;
    private final Memory area = new Memory((long) CPUS * KernelLayout.CPU_CGROUPS * KernelLayout.CPU_CGROUP_SIZE);

    @TempDir
    Path hierarchy;

    CgroupAreaReaderTest() {
        area.clear();
    }

    /**
     * One sample as cgroup_add() writes it, into way {@code way} of the cgroup's set on {@code cpu}: the entry
     * taken, the slot (and its histogram) reset for a new epoch, the exact figures, then the log2 bucket.
     */
    private void sample(int cpu, int way, long id, long epoch, long ns) {
        long entry = (long) KernelLayout.CPU_CGROUP_SIZE
                * (cpu * KernelLayout.CPU_CGROUPS + (id & (KernelLayout.CPU_CGROUPS / 4 - 1)) * 4 + way);
        area.setLong(entry + KernelLayout.CPU_CGROUP_ID, id);
        long slot = KernelLayout.cgroupSlot(entry + KernelLayout.CPU_CGROUP_SLOTS, epoch);
        long exact = slot + KernelLayout.CGROUP_SLOT_EXACT;
        if (area.getLong(exact + KernelLayout.SLOT_EPOCH) != epoch) { // a new epoch clears the slot's histogram too
            area.setMemory(slot + KernelLayout.CGROUP_SLOT_HIST, KernelLayout.CGROUP_BUCKETS * 8L, (byte) 0);
        }
        FakeCpuArea.slotAdd(area, exact, epoch, ns);
        long bucket = slot + KernelLayout.CGROUP_SLOT_HIST + 8L * Math.min(63 - Long.numberOfLeadingZeros(Math.max(ns, 1)),
                KernelLayout.CGROUP_BUCKETS - 1);
        area.setLong(bucket, area.getLong(bucket) + 1);
    }

    private static long inode(Path dir) throws Exception {
        return (Long) Files.getAttribute(dir, "unix:ino");
    }

    /**
     * A cgroup's figures from every CPU add up, each interval has only its own, a cgroup's path is resolved from
     * the hierarchy (the root is "/"), and one whose directory is not there is listed by its id alone.
     */
    @Test
    void eachIntervalGetsItsOwnCgroupsFromEveryCpuWithTheirPaths() throws Exception {
        long app = inode(Files.createDirectories(hierarchy.resolve("app")));
        long gone = app + 1_000_003; // no directory has it: a cgroup removed before anyone read its path
        CgroupAreaReader reader = new CgroupAreaReader(CPUS, new CgroupPaths(List.of(hierarchy)));
        sample(0, 0, app, 1, 1_000);
        sample(1, 2, app, 1, 3_000);
        sample(1, 1, CgroupPaths.ROOT_ID, 1, 500);
        sample(0, 3, gone, 1, 700);
        sample(0, 1, CgroupPaths.ROOT_ID, 2, 9_000); // the next interval's, already written
        LatencyStats first = new LatencyStats();
        reader.read(area, 1, first);
        sample(1, 2, app, 2, 2_000);
        LatencyStats second = new LatencyStats();
        reader.read(area, 2, second);

        List<Summary.CgroupLine> one = Summary.of("interval", "libbpf", "p", 1, first, false, 0).byCgroup().top();
        assertThat(one).extracting(c -> c.path() + "#" + c.id() + "=" + c.count() + "/" + c.maxNs())
                .containsExactly("/app#" + app + "=2/3000", "null#" + gone + "=1/700", "/#1=1/500"); // ties: more latency first
        assertThat(first.cgroups().byCount().get(0).latency().sumNs()).isEqualTo(4_000);
        List<Summary.CgroupLine> two = Summary.of("interval", "libbpf", "p", 1, second, false, 0).byCgroup().top();
        assertThat(two).extracting(c -> c.path() + "=" + c.count() + "/" + c.maxNs() + "/" + c.p99Ns())
                .containsExactlyInAnyOrder("/app=1/2000/2000", "/=1/9000/9000");
    }

    /** A slot reused in a later interval has only that interval's histogram: the kernel clears it with the slot. */
    @Test
    void aSlotsHistogramIsThatIntervalsOnly() {
        CgroupAreaReader reader = new CgroupAreaReader(CPUS, new CgroupPaths(List.of()));
        for (int i = 0; i < 99; i++) {
            sample(0, 0, CgroupPaths.ROOT_ID, 1, 100_000);
        }
        reader.read(area, 1, new LatencyStats());
        reader.read(area, 2, new LatencyStats());
        sample(0, 0, CgroupPaths.ROOT_ID, 3, 1_000); // epoch 3: the slot of epoch 1 again
        LatencyStats third = new LatencyStats();
        reader.read(area, 3, third);
        assertThat(third.cgroups().byCount().get(0).distribution().getTotalCount()).isEqualTo(1);
        assertThat(Summary.of("interval", "libbpf", "p", 1, third, false, 0).byCgroup().top().get(0).p99Ns()).isEqualTo(1_000);
    }

    /** A cgroup's p99 comes from its buckets: 98 switches of 1 us and 2 of 100 us give a p99 within sqrt 2 of 100 us. */
    @Test
    void aCgroupsP99ComesFromItsBuckets() {
        for (int i = 0; i < 98; i++) {
            sample(1, 0, CgroupPaths.ROOT_ID, 1, 1_000);
        }
        sample(1, 0, CgroupPaths.ROOT_ID, 1, 100_000);
        sample(1, 0, CgroupPaths.ROOT_ID, 1, 100_000);
        LatencyStats part = new LatencyStats();
        new CgroupAreaReader(CPUS, new CgroupPaths(List.of())).read(area, 1, part);
        Long p99 = Summary.of("interval", "libbpf", "p", 1, part, false, 0).byCgroup().top().get(0).p99Ns();
        assertThat(p99.doubleValue()).isBetween(100_000 / Math.sqrt(2), 100_000.0);
    }

    /**
     * A log2 bucket's samples go to its geometric middle, 2^b x sqrt 2 (to the nearest ns), from which every sample of
     * the bucket, [2^b, 2^(b+1)), is within a factor of sqrt 2; kept within the exact min and max.
     */
    @Test
    void aBucketsSamplesGoToItsGeometricMiddleWithinTheExactMinAndMax() {
        for (int b = 1; b < KernelLayout.CGROUP_BUCKETS; b++) {
            long r = CgroupAreaReader.representative(b, 0, Long.MAX_VALUE);
            assertThat((double) r).as("bucket %d", b).isCloseTo(Math.sqrt(2) * (1L << b), org.assertj.core.data.Offset.offset(0.5));
        }
        assertThat(CgroupAreaReader.representative(0, 0, 5)).isEqualTo(1);
        assertThat(CgroupAreaReader.representative(10, 1500, 1600)).as("clamped to the min").isEqualTo(1500);
        assertThat(CgroupAreaReader.representative(10, 1000, 1200)).as("clamped to the max").isEqualTo(1200);
    }

    /** cgroup_dropped, the samples whose set had no room on their CPU, is read with the per-CPU figures: the overflow. */
    @Test
    void samplesTheKernelTableCouldNotTakeCountInTheOverflow() {
        FakeCpuArea cpus = new FakeCpuArea(CPUS);
        CpuAreaReader reader = new CpuAreaReader(CPUS);
        cpus.area.setLong(KernelLayout.CPU_AGG_SIZE + KernelLayout.CPU_CGROUP_DROPPED, 7);
        LatencyStats first = new LatencyStats();
        reader.read(cpus.area, 1, first);
        cpus.area.setLong(KernelLayout.CPU_AGG_SIZE + KernelLayout.CPU_CGROUP_DROPPED, 10);
        LatencyStats second = new LatencyStats();
        reader.read(cpus.area, 2, second);
        assertThat(first.cgroups().overflowSamples()).isEqualTo(7);
        assertThat(second.cgroups().overflowSamples()).as("cumulative in the kernel: the difference").isEqualTo(3);
    }

    private static CgroupSeries.Series cgroup(CumulativeFigures.Cgroups all, String label) {
        return all.series().stream().filter(c -> c.cgroup().equals(label)).findFirst().orElseThrow();
    }

    /**
     * --serve --by=cgroup: a served cgroup's series holds its entries' figures on every CPU, of the intervals closed so
     * far and of the open one, the one the final drain took not counted twice; an entry's slot of an older interval
     * (its histogram not cleared yet) counts for nothing; the paths are resolved; the overflow is passed on.
     */
    @Test
    void cumulativeCgroupsAreTheClosedIntervalsAndTheOpenOneOnEveryCpu() throws Exception {
        long app = inode(Files.createDirectories(hierarchy.resolve("app")));
        CgroupAreaReader reader = new CgroupAreaReader(CPUS, new CgroupPaths(List.of(hierarchy)), true);
        sample(0, 0, app, 1, 1_000);
        sample(1, 2, app, 1, 3_000);
        sample(1, 1, CgroupPaths.ROOT_ID, 1, 500);
        CumulativeFigures.Cgroups open = reader.cumulative(area, 1, 5);
        assertThat(open.unattributed()).isEqualTo(5);
        assertThat(open.series()).extracting(CgroupSeries.Series::cgroup).containsExactlyInAnyOrder("/app", "/", CgroupSeries.OTHER);
        CgroupSeries.Series first = cgroup(open, "/app");
        assertThat(first.count()).isEqualTo(2);
        assertThat(first.sumNs()).isEqualTo(4_000);
        assertThat(first.log2Buckets()[9]).isEqualTo(1); // 1000 ns: [512, 1024)
        assertThat(first.log2Buckets()[11]).isEqualTo(1); // 3000 ns: [2048, 4096)
        assertThat(cgroup(open, "/").count()).isEqualTo(1);

        reader.read(area, 1, new LatencyStats()); // a drain closes epoch 1; the programs now write epoch 2
        sample(0, 0, app, 2, 2_000);
        CgroupSeries.Series afterDrain = cgroup(reader.cumulative(area, 2, 5), "/app");
        assertThat(afterDrain.count()).isEqualTo(3);
        assertThat(afterDrain.sumNs()).isEqualTo(6_000);
        assertThat(LongStream.of(afterDrain.log2Buckets()).sum()).isEqualTo(3);

        reader.read(area, 2, new LatencyStats());
        sample(0, 0, app, 3, 9_000); // epoch 3 is the slot of epoch 1 again, cleared by this sample
        CgroupSeries.Series third = cgroup(reader.cumulative(area, 3, 5), "/app");
        assertThat(third.count()).as("epoch 1's histogram not counted again").isEqualTo(4);
        assertThat(LongStream.of(third.log2Buckets()).sum()).isEqualTo(4);
        assertThat(cgroup(reader.cumulative(area, 3, 5), "/").count()).as("its old slots count for nothing").isEqualTo(1);

        reader.read(area, 3, new LatencyStats()); // the final drain after detaching: epoch 3 taken as final
        assertThat(cgroup(reader.cumulative(area, 3, 5), "/app").count()).as("epoch 3 not counted again").isEqualTo(4);
    }

    /**
     * --serve --by=cgroup with intervals closing: once a cgroup's entry goes to another cgroup (two intervals without a
     * sample of it), its figures are still served, carried in its series by the closes that read them.
     */
    @Test
    void aCgroupsFiguresOutliveItsEntryInTheKernel() {
        CgroupAreaReader reader = new CgroupAreaReader(CPUS, new CgroupPaths(List.of()), true);
        long sameSet = CgroupPaths.ROOT_ID + KernelLayout.CPU_CGROUPS / 4; // the root's set; no directory: path unknown
        sample(0, 0, CgroupPaths.ROOT_ID, 1, 1_000);
        sample(0, 0, CgroupPaths.ROOT_ID, 1, 1_000);
        assertThat(cgroup(reader.cumulative(area, 1, 0), "/").count()).isEqualTo(2);
        reader.read(area, 1, new LatencyStats());
        reader.read(area, 2, new LatencyStats());
        sample(0, 0, sameSet, 3, 5_000); // epoch 3: the root had no sample in 2 nor 3, its entry is taken
        CumulativeFigures.Cgroups now = reader.cumulative(area, 3, 0);
        assertThat(cgroup(now, "/").count()).as("the root's entry is another cgroup's now").isEqualTo(2);
        assertThat(cgroup(now, "/").sumNs()).isEqualTo(2_000);
        assertThat(cgroup(now, CgroupSeries.OTHER).count()).isEqualTo(1);
    }

    /** An entry caught between its exact figures and its bucket gets its histogram's count, never more. */
    @Test
    void aCgroupCaughtHalfWrittenGivesTheHistogramsCount() {
        CgroupAreaReader reader = new CgroupAreaReader(CPUS, new CgroupPaths(List.of()), true);
        sample(1, 3, CgroupPaths.ROOT_ID, 1, 1_000);
        long entry = (long) KernelLayout.CPU_CGROUP_SIZE * (KernelLayout.CPU_CGROUPS + (CgroupPaths.ROOT_ID & 15) * 4 + 3);
        long exact = KernelLayout.cgroupSlot(entry + KernelLayout.CPU_CGROUP_SLOTS, 1) + KernelLayout.CGROUP_SLOT_EXACT;
        area.setLong(exact + KernelLayout.SLOT_SUM, area.getLong(exact + KernelLayout.SLOT_SUM) + 7_000);
        area.setLong(exact + KernelLayout.SLOT_COUNT, area.getLong(exact + KernelLayout.SLOT_COUNT) + 1);
        CgroupSeries.Series root = cgroup(reader.cumulative(area, 1, 0), "/");
        assertThat(root.count()).isEqualTo(LongStream.of(root.log2Buckets()).sum()).isEqualTo(1);
    }

    @Test
    void aReaderForTheDrainsOnlyIsNotAskedForCumulativeFigures() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CgroupAreaReader(CPUS, new CgroupPaths(List.of())).cumulative(area, 1, 0))
                .isInstanceOf(IllegalStateException.class);
    }
}
