package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import io.ctxswitch.core.model.SwitchKind;
import io.ctxswitch.core.report.Summary;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LatencyStats;
import io.ctxswitch.core.stats.LogLinearBuckets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** --by=kind's reading of struct cpu_kinds[cpus], written here as kind_add() writes it. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class KindAreaReaderTest {
    private static final int CPUS = 3;
    private final Memory area = new Memory((long) CPUS * KernelLayout.CPU_KINDS_SIZE);

    KindAreaReaderTest() {
        area.clear();
    }

    /** One sample as kind_add() writes it: the kind's epoch slot, then its histogram bucket. */
    private void sample(int cpu, SwitchKind kind, long epoch, long ns) {
        long base = (long) cpu * KernelLayout.CPU_KINDS_SIZE + KernelLayout.KINDS_KIND + (long) kind.ordinal() * KernelLayout.KIND_AGG_SIZE;
        FakeCpuArea.slotAdd(area, KernelLayout.slot(base + KernelLayout.KIND_SLOTS, epoch), epoch, ns);
        long bucket = base + KernelLayout.KIND_HIST + 8L * LogLinearBuckets.bucketOf(ns);
        area.setLong(bucket, area.getLong(bucket) + 1);
    }

    @Test
    void eachIntervalGetsItsOwnKindsFromEveryCpu() {
        KindAreaReader reader = new KindAreaReader(CPUS);
        sample(0, SwitchKind.BLOCKED, 1, 1_000);
        sample(2, SwitchKind.BLOCKED, 1, 3_000);
        sample(1, SwitchKind.TO_IDLE, 1, 500);
        sample(2, SwitchKind.YIELD, 2, 700); // the next interval's, already written
        LatencyStats first = new LatencyStats();
        reader.read(area, 1, first);
        sample(0, SwitchKind.EXIT, 2, 9_000);
        LatencyStats second = new LatencyStats();
        reader.read(area, 2, second);

        Summary one = Summary.of("interval", "libbpf", "p", 1, first, false, 0);
        assertThat(one.byKind()).extracting(k -> k.kind().label() + "=" + k.count() + "/" + k.minNs() + "/" + k.maxNs())
                .containsExactly("preempted=0/null/null", "blocked=2/1000/3000", "yield=0/null/null", "exit=0/null/null",
                        "from-idle=0/null/null", "to-idle=1/500/500");
        assertThat(first.kinds().stats(SwitchKind.BLOCKED).sumNs()).isEqualTo(4_000);
        // the yield's bucket was read with the first interval's histogram, its exact figures with the second's
        assertThat(first.kinds().distributionOf(SwitchKind.YIELD).getTotalCount()).isEqualTo(1);
        Summary two = Summary.of("interval", "libbpf", "p", 1, second, false, 0);
        assertThat(two.byKind()).extracting(Summary.KindLine::count).containsExactly(0L, 0L, 1L, 1L, 0L, 0L);
        assertThat(second.kinds().distributionOf(SwitchKind.EXIT).getTotalCount()).isEqualTo(1);
        assertThat(second.kinds().distributionOf(SwitchKind.BLOCKED).getTotalCount()).isZero();
        assertThat(two.byKind().get(SwitchKind.EXIT.ordinal()).p99Ns()).isEqualTo(9_000L);
    }

    @Test
    void anIntervalWithNoSampleStillListsEveryKind() {
        LatencyStats part = new LatencyStats();
        new KindAreaReader(CPUS).read(area, 1, part);
        assertThat(Summary.of("interval", "libbpf", "p", 1, part, false, 0).byKind()).hasSize(6).allMatch(k -> k.count() == 0);
    }

    private static CumulativeFigures.Kind kind(List<CumulativeFigures.Kind> all, int cpu, SwitchKind kind) {
        return all.stream().filter(k -> k.cpu() == cpu && k.kind() == kind).findFirst().orElseThrow();
    }

    /**
     * --serve --by=kind: each CPU's kinds since load are the intervals closed so far plus the open one, the one the
     * final drain took not counted twice; count and buckets agree; every CPU has every kind.
     */
    @Test
    void cumulativeKindsAreTheClosedIntervalsAndTheOpenOne() {
        KindAreaReader reader = new KindAreaReader(CPUS);
        sample(0, SwitchKind.BLOCKED, 1, 1_000);
        sample(0, SwitchKind.BLOCKED, 1, 3_000);
        sample(2, SwitchKind.TO_IDLE, 1, 500);
        List<CumulativeFigures.Kind> open = reader.cumulative(area, 1);
        assertThat(open).hasSize(CPUS * SwitchKind.values().length);
        assertThat(kind(open, 0, SwitchKind.BLOCKED).count()).isEqualTo(2);
        assertThat(kind(open, 0, SwitchKind.BLOCKED).sumNs()).isEqualTo(4_000);
        assertThat(kind(open, 2, SwitchKind.TO_IDLE).sumNs()).isEqualTo(500);
        assertThat(kind(open, 1, SwitchKind.TO_IDLE).count()).isZero();

        reader.read(area, 1, new LatencyStats()); // a drain closes epoch 1; the programs now write epoch 2
        sample(0, SwitchKind.BLOCKED, 2, 2_000);
        CumulativeFigures.Kind afterDrain = kind(reader.cumulative(area, 2), 0, SwitchKind.BLOCKED);
        assertThat(afterDrain.count()).isEqualTo(3);
        assertThat(afterDrain.sumNs()).isEqualTo(6_000);
        assertThat(LongStream.of(afterDrain.buckets()).sum()).isEqualTo(3);

        reader.read(area, 2, new LatencyStats()); // the final drain after detaching: epoch 2 taken as final
        CumulativeFigures.Kind last = kind(reader.cumulative(area, 2), 0, SwitchKind.BLOCKED);
        assertThat(last.count()).as("epoch 2 not counted again").isEqualTo(3);
        assertThat(last.sumNs()).isEqualTo(6_000);
    }

    /** A kind caught between its slot update and its bucket gets its histogram's count, never more (as the totals). */
    @Test
    void aKindCaughtHalfWrittenGivesTheHistogramsCount() {
        KindAreaReader reader = new KindAreaReader(CPUS);
        sample(1, SwitchKind.PREEMPTED, 1, 1_000);
        long base = KernelLayout.CPU_KINDS_SIZE + KernelLayout.KINDS_KIND + (long) SwitchKind.PREEMPTED.ordinal() * KernelLayout.KIND_AGG_SIZE;
        long slot = KernelLayout.slot(base + KernelLayout.KIND_SLOTS, 1);
        area.setLong(slot + KernelLayout.SLOT_SUM, area.getLong(slot + KernelLayout.SLOT_SUM) + 7_000);
        area.setLong(slot + KernelLayout.SLOT_COUNT, area.getLong(slot + KernelLayout.SLOT_COUNT) + 1);
        CumulativeFigures.Kind k = kind(reader.cumulative(area, 1), 1, SwitchKind.PREEMPTED);
        assertThat(k.count()).isEqualTo(LongStream.of(k.buckets()).sum()).isEqualTo(1);
    }
}
