package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LatencyStats;
import org.junit.jupiter.api.Test;

/**
 * {@link CpuAreaReader#cumulative} on a per-CPU area laid out as the kernel's (KernelLayout), written
 * here as the BPF program would: closed intervals and the open one add up, nothing is counted twice,
 * and count, sum and buckets agree.
 */
class CpuAreaCumulativeTest {
    private static final int CPUS = 2;
    private final FakeCpuArea fake = new FakeCpuArea(CPUS);
    private final Memory area = fake.area;

    private void sample(int cpu, long epoch, long ns) {
        fake.sample(cpu, epoch, ns);
    }

    private static long bucketTotal(CumulativeFigures.Cpu cpu) {
        long total = 0;
        for (long b : cpu.buckets()) {
            total += b;
        }
        return total;
    }

    @Test
    void closedAndOpenIntervalsAddUpAndTheFinalReadIsNotCountedTwice() {
        CpuAreaReader reader = new CpuAreaReader(CPUS);
        sample(0, 1, 1000);
        sample(0, 1, 3000);
        sample(1, 1, 500);
        CumulativeFigures open = reader.cumulative(area, 1);
        assertThat(open.cpus().get(0).count()).isEqualTo(2);
        assertThat(open.cpus().get(0).sumNs()).isEqualTo(4000);
        assertThat(open.cpus().get(1).sumNs()).isEqualTo(500);

        reader.read(area, 1, new LatencyStats()); // a drain closes epoch 1; the programs now write epoch 2
        sample(0, 2, 2000);
        CumulativeFigures afterDrain = reader.cumulative(area, 2);
        assertThat(afterDrain.cpus().get(0).count()).isEqualTo(3);
        assertThat(afterDrain.cpus().get(0).sumNs()).isEqualTo(6000);
        assertThat(bucketTotal(afterDrain.cpus().get(0))).isEqualTo(3);

        reader.read(area, 2, new LatencyStats()); // the final drain after detaching: epoch 2 taken as final
        CumulativeFigures last = reader.cumulative(area, 2);
        assertThat(last.cpus().get(0).count()).as("epoch 2 not counted again").isEqualTo(3);
        assertThat(last.cpus().get(0).sumNs()).isEqualTo(6000);
        assertThat(last.cpus().get(1).count()).isEqualTo(1);
    }

    @Test
    void aSampleCaughtHalfWrittenGivesTheHistogramsCountNeverMore() {
        CpuAreaReader reader = new CpuAreaReader(CPUS);
        sample(0, 1, 1000);
        // A program stopped between its slot update and its bucket: counted and summed, not yet in a bucket.
        long slot = KernelLayout.slot(KernelLayout.CPU_SLOTS, 1);
        area.setLong(slot + KernelLayout.SLOT_SUM, area.getLong(slot + KernelLayout.SLOT_SUM) + 7000);
        area.setLong(slot + KernelLayout.SLOT_COUNT, area.getLong(slot + KernelLayout.SLOT_COUNT) + 1);
        CumulativeFigures.Cpu cpu = reader.cumulative(area, 1).cpus().get(0);
        assertThat(cpu.count()).as("count agrees with the buckets").isEqualTo(bucketTotal(cpu)).isEqualTo(1);
    }

    @Test
    void unpairedAndNoSwitchAreTheKernelsCumulativeCounters() {
        CpuAreaReader reader = new CpuAreaReader(CPUS);
        area.setLong(KernelLayout.CPU_UNPAIRED, 3);
        area.setLong(KernelLayout.CPU_AGG_SIZE + KernelLayout.CPU_UNPAIRED, 4);
        area.setLong(KernelLayout.CPU_AGG_SIZE + KernelLayout.CPU_NO_SWITCH, 5);
        reader.read(area, 1, new LatencyStats()); // a drain must not reset what an exporter reads
        CumulativeFigures figures = reader.cumulative(area, 2);
        assertThat(figures.unpaired()).isEqualTo(7);
        assertThat(figures.noSwitch()).isEqualTo(5);
        assertThat(figures.cpus()).hasSize(CPUS);
    }
}
