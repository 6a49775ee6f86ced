package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.stats.BinCounts;
import io.ctxswitch.core.stats.LatencyStats;
import io.ctxswitch.core.stats.LogLinearBuckets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link CpuAreaReader#read} gives each CPU its interval's switches in the report's bins (what
 * {@code --per-cpu} draws and prints): exactly the samples its histogram gained, every one in the bin
 * of its latency, and over a run as many as the CPU's exact count.
 */
@Timeout(10)
class CpuAreaBinsTest {
    private static final int CPUS = 3;

    @Test
    void eachCpusBinsHoldWhatItsHistogramGainedInTheBinOfEachLatency() {
        FakeCpuArea fake = new FakeCpuArea(CPUS);
        CpuAreaReader reader = new CpuAreaReader(CPUS);
        Random random = new Random(3);
        LatencyStats run = new LatencyStats();
        for (long epoch = 1; epoch <= 5; epoch++) {
            long[][] expected = new long[CPUS][256];
            for (int n = 0; n < 3000; n++) {
                int cpu = random.nextInt(2); // CPU 2 stays idle
                long ns = (long) Math.exp(random.nextDouble() * 30); // 1 ns to 3 h: every kind of bucket
                fake.sample(cpu, epoch, ns);
                // the kernel's last bucket holds everything from 2^36 ns (68.7 s) up: the bin of its start
                expected[cpu][BinCounts.index(Math.min(ns, LogLinearBuckets.low(LogLinearBuckets.COUNT - 1)))]++;
            }
            LatencyStats part = new LatencyStats();
            reader.read(fake.area, epoch, part);
            for (LatencyStats.CpuEntry cpu : part.perCpu()) {
                for (int bin = 0; bin < 256; bin++) {
                    assertThat(cpu.bins().count(bin)).as("CPU %d, bin %d", cpu.cpu(), bin).isEqualTo(expected[cpu.cpu()][bin]);
                }
                assertThat(cpu.bins().total()).isEqualTo(cpu.stats().count());
            }
            assertThat(part.perCpu()).extracting(LatencyStats.CpuEntry::cpu).containsExactly(0, 1);
            run.add(part);
        }
        for (LatencyStats.CpuEntry cpu : run.perCpu()) {
            assertThat(cpu.bins().total()).isEqualTo(cpu.stats().count());
        }
    }

    @Test
    void aSwitchAfterTheIntervalClosedCountsInTheBinsReadNowAndTheNextIntervalsExactFigures() {
        FakeCpuArea fake = new FakeCpuArea(CPUS);
        CpuAreaReader reader = new CpuAreaReader(CPUS);
        fake.sample(0, 1, 1_000);
        fake.sample(1, 2, 2_000); // in the grace period: the epoch already advanced, the read not yet done
        LatencyStats first = new LatencyStats();
        reader.read(fake.area, 1, first);
        assertThat(first.perCpu()).extracting(LatencyStats.CpuEntry::cpu).containsExactly(0, 1);
        assertThat(first.perCpu().get(1).stats().count()).isZero();
        assertThat(first.perCpu().get(1).bins().total()).isEqualTo(1);
        LatencyStats second = new LatencyStats();
        reader.read(fake.area, 2, second);
        assertThat(second.perCpu()).extracting(LatencyStats.CpuEntry::cpu).containsExactly(1);
        assertThat(second.perCpu().get(0).stats().count()).isEqualTo(1);
        assertThat(second.perCpu().get(0).bins().total()).isZero();
    }

    /**
     * Without {@code --per-cpu} nobody shows a CPU's bins, and folding every bucket of every CPU into them
     * at each drain cost about 1 ms at 256 CPUs: the reader must not do it, and must still give each CPU
     * its exact figures and the whole distribution.
     */
    @Test
    void withoutPerCpuBinsNoCpuIsBinnedAndTheRestIsAsBefore() {
        FakeCpuArea fake = new FakeCpuArea(CPUS);
        CpuAreaReader reader = new CpuAreaReader(CPUS, false);
        for (int n = 0; n < 100; n++) {
            fake.sample(n % 2, 1, 1_000 + n);
        }
        LatencyStats part = new LatencyStats();
        reader.read(fake.area, 1, part);
        assertThat(part.perCpu()).extracting(LatencyStats.CpuEntry::cpu).containsExactly(0, 1);
        assertThat(part.perCpu()).allSatisfy(cpu -> {
            assertThat(cpu.bins()).as("CPU %d's bins", cpu.cpu()).isNull();
            assertThat(cpu.stats().count()).isEqualTo(50);
        });
        assertThat(part.total().count()).isEqualTo(100);
        assertThat(part.distribution().getTotalCount()).isEqualTo(100);
    }
}
