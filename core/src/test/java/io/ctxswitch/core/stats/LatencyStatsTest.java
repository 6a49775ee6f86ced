package io.ctxswitch.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyStatsTest {

    @Test
    void exactMinMaxMeanOfKnownSamples() {
        LatencyStats stats = new LatencyStats();
        long[] samples = {700, 300, 1_200, 5_000, 800};
        for (long s : samples) {
            stats.record(0, s, 42, 42, "worker");
        }
        ExactStats total = stats.total();
        assertThat(total.count()).isEqualTo(5);
        assertThat(total.minNs()).isEqualTo(300);
        assertThat(total.maxNs()).isEqualTo(5_000);
        assertThat(total.sumNs()).isEqualTo(8_000);
        assertThat(total.meanNs()).isEqualTo(1_600.0);
    }

    @Test
    void meanIsExactWhereTheHistogramWouldRound() {
        // Near 1 s, HdrHistogram's buckets (three significant digits) are about a microsecond wide:
        // 1,000,000,001 and 1,000,000,004 ns fall into one, so a mean taken from the distribution is
        // off by hundreds of ns. The exact sum keeps the mean exact.
        LatencyStats stats = new LatencyStats();
        stats.record(0, 1_000_000_001L, 1, 1, "a");
        stats.record(0, 1_000_000_004L, 1, 1, "a");
        assertThat(stats.distribution().getMean()).as("the distribution's own mean").isNotEqualTo(1_000_000_002.5);
        assertThat(stats.total().meanNs()).isEqualTo(1_000_000_002.5);
    }

    @Test
    void perCpuFiguresStayApart() {
        LatencyStats stats = new LatencyStats();
        stats.record(0, 100, 1, 1, "a");
        stats.record(3, 900, 2, 2, "b");
        stats.record(3, 500, 2, 2, "b");
        assertThat(stats.perCpu()).extracting(LatencyStats.CpuEntry::cpu).containsExactly(0, 3);
        ExactStats cpu3 = stats.perCpu().get(1).stats();
        assertThat(cpu3.count()).isEqualTo(2);
        assertThat(cpu3.minNs()).isEqualTo(500);
        assertThat(cpu3.maxNs()).isEqualTo(900);
    }

    @Test
    void percentilesStayWithinTheStatedErrorOfTheExactOnes() {
        Random random = new Random(7);
        long[] samples = new long[200_000];
        LatencyStats stats = new LatencyStats();
        for (int i = 0; i < samples.length; i++) {
            // log-normal-ish spread from ~100 ns to ~10 ms, as switch latencies are
            samples[i] = (long) Math.exp(7 + random.nextGaussian() * 1.5) + 50;
            stats.record(i % 4, samples[i], i % 100, i % 100, "t");
        }
        Arrays.sort(samples);
        for (double p : new double[] {50, 90, 99, 99.9}) {
            long exact = samples[(int) Math.ceil(p / 100 * samples.length) - 1];
            long measured = stats.distribution().getValueAtPercentile(p);
            assertThat((double) measured).as("p%s", p).isCloseTo(exact, within(exact * 0.01));
        }
    }

    @Test
    void mergingPartsGivesWhatOneWholeGives() {
        Random random = new Random(11);
        LatencyStats whole = new LatencyStats();
        LatencyStats[] parts = {new LatencyStats(), new LatencyStats(), new LatencyStats()};
        for (int i = 0; i < 30_000; i++) {
            long ns = 200 + random.nextInt(100_000);
            int cpu = random.nextInt(8);
            whole.record(cpu, ns, cpu + 10, cpu + 10, "t" + cpu);
            parts[i % 3].record(cpu, ns, cpu + 10, cpu + 10, "t" + cpu);
        }
        parts[1].addUnpaired(3);
        whole.addUnpaired(3);
        LatencyStats merged = new LatencyStats();
        for (LatencyStats part : parts) {
            merged.add(part);
        }
        assertThat(merged.total().count()).isEqualTo(whole.total().count());
        assertThat(merged.total().sumNs()).isEqualTo(whole.total().sumNs());
        assertThat(merged.total().minNs()).isEqualTo(whole.total().minNs());
        assertThat(merged.total().maxNs()).isEqualTo(whole.total().maxNs());
        assertThat(merged.unpaired()).isEqualTo(3);
        assertThat(merged.distribution()).isEqualTo(whole.distribution());
        for (int i = 0; i < whole.perCpu().size(); i++) {
            ExactStats a = whole.perCpu().get(i).stats();
            ExactStats b = merged.perCpu().get(i).stats();
            assertThat(b.count()).isEqualTo(a.count());
            assertThat(b.sumNs()).isEqualTo(a.sumNs());
            assertThat(b.minNs()).isEqualTo(a.minNs());
            assertThat(b.maxNs()).isEqualTo(a.maxNs());
        }
        assertThat(merged.processes().top(8)).extracting(p -> p.latency().count())
                .isEqualTo(whole.processes().top(8).stream().map(p -> p.latency().count()).toList());
    }

    @Test
    void kernelAggregatesMergeLikeSamples() {
        LatencyStats stats = new LatencyStats();
        stats.addCpu(1, 3, 3_000, 500, 1_500);
        stats.addCpu(1, 0, 0, 0, 0); // an empty slot changes nothing
        stats.record(1, 100, 5, 5, "x");
        ExactStats total = stats.total();
        assertThat(total.count()).isEqualTo(4);
        assertThat(total.minNs()).isEqualTo(100);
        assertThat(total.maxNs()).isEqualTo(1_500);
        assertThat(total.sumNs()).isEqualTo(3_100);
    }

    @Test
    void aSwitchSampleCountsForTheIncomingTask() {
        LatencyStats stats = new LatencyStats();
        stats.record(new io.ctxswitch.core.model.SwitchSample(2, 1_000, 1_700,
                new io.ctxswitch.core.model.SwitchSample.Task(10, 10, "producer"),
                new io.ctxswitch.core.model.SwitchSample.Task(11, 10, "consumer")));
        assertThat(stats.total().minNs()).isEqualTo(700);
        assertThat(stats.perCpu().get(0).cpu()).isEqualTo(2);
        assertThat(stats.processes().top(5)).singleElement().satisfies(p -> {
            assertThat(p.pid()).isEqualTo(11);
            assertThat(p.tgid()).isEqualTo(10);
            assertThat(p.comm()).isEqualTo("consumer");
        });
    }

    @Test
    void aSwitchCannotEndBeforeItStarts() {
        assertThatThrownBy(() -> new io.ctxswitch.core.model.SwitchSample(0, 2_000, 1_999, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("before it starts");
    }

    @Test
    void aNegativeLatencyIsRefused() {
        assertThatThrownBy(() -> new LatencyStats().record(0, -1, 1, 1, "a"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Each CPU's switches in the report's bins: recorded ones, the kernel's, and merged parts alike. */
    @Test
    void perCpuBinsHoldEverySwitchOfTheirCpu() {
        LatencyStats part = new LatencyStats();
        part.record(0, 1_000, 1, 1, "a");
        part.record(2, 5_000, 1, 1, "a");
        part.record(2, 5_100, 1, 1, "a");
        LatencyStats kernel = new LatencyStats();
        kernel.addCpu(2, 3, 3_000, 900, 1_100);
        kernel.addToCpuBins(2, BinCounts.index(1_000), 3);
        kernel.addCpu(5, 1, 700, 700, 700); // a CPU whose bins the source does not know
        LatencyStats total = new LatencyStats();
        total.add(part);
        total.add(kernel);
        assertThat(total.perCpu()).extracting(LatencyStats.CpuEntry::cpu).containsExactly(0, 2, 5);
        BinCounts cpu2 = total.perCpu().get(1).bins();
        assertThat(cpu2.total()).isEqualTo(total.perCpu().get(1).stats().count()).isEqualTo(5);
        assertThat(cpu2.count(BinCounts.index(5_000))).isEqualTo(2);
        assertThat(cpu2.count(BinCounts.index(1_000))).isEqualTo(3);
        assertThat(total.perCpu().get(2).bins()).isNull();
    }
}
