package io.ctxswitch.libbpf;

import com.sun.jna.Memory;
import io.ctxswitch.core.stats.LatencyStats;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One interval's read of the kernel's per-CPU area (as memory-mapped) and its merge into the
 * engine, for 2 and 256 CPUs: what user space pays per --interval. The area is synthetic memory
 * laid out as struct cpu_agg[], with new samples in every CPU's slot and histogram each time.
 * (The per-task table is read with batched map lookups, not measured here.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MapReadBenchmark {
    @Param({"2", "256"})
    public int cpus;

    private Memory area;
    private CpuAreaReader reader;
    private long epoch;

    @Setup
    public void setUp() {
        area = new Memory((long) cpus * KernelLayout.CPU_AGG_SIZE);
        area.clear();
        reader = new CpuAreaReader(cpus);
        epoch = 1;
    }

    /** Some switches on every CPU since the last read, around 700 ns with a tail. */
    private void newSamples() {
        epoch++;
        for (int cpu = 0; cpu < cpus; cpu++) {
            long base = (long) cpu * KernelLayout.CPU_AGG_SIZE;
            long slot = KernelLayout.slot(base + KernelLayout.CPU_SLOTS, epoch);
            area.setLong(slot + KernelLayout.SLOT_EPOCH, epoch);
            area.setLong(slot + KernelLayout.SLOT_COUNT, 1000);
            area.setLong(slot + KernelLayout.SLOT_SUM, 750_000);
            area.setLong(slot + KernelLayout.SLOT_MIN, 400 + cpu);
            area.setLong(slot + KernelLayout.SLOT_MAX, 90_000);
            for (long ns : new long[] {400, 650, 700, 720, 900, 1500, 4000, 90_000}) {
                long bucket = base + KernelLayout.CPU_HIST + 8L * io.ctxswitch.core.stats.LogLinearBuckets.bucketOf(ns);
                area.setLong(bucket, area.getLong(bucket) + 125);
            }
        }
    }

    @Benchmark
    public LatencyStats readInterval() {
        newSamples();
        LatencyStats part = new LatencyStats();
        reader.read(area, epoch, part);
        return part;
    }
}
