package io.ctxswitch.bench;

import io.ctxswitch.core.stats.LatencyStats;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Recording samples into the statistics engine, on one thread, as a sample source does: exact
 * per-CPU figures, the HdrHistogram and the per-task table. Target: 20 million samples per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EngineBenchmark {
    private static final int N = 1 << 16;
    private final long[] latency = new long[N];
    private final int[] cpu = new int[N];
    private final int[] pid = new int[N];
    private final String[] comm = new String[N];
    private LatencyStats stats;

    @Setup
    public void setUp() {
        Random random = new Random(1);
        String[] names = new String[64];
        for (int i = 0; i < names.length; i++) {
            names[i] = "task-" + i;
        }
        for (int i = 0; i < N; i++) {
            latency[i] = (long) Math.exp(6.5 + random.nextGaussian()); // ~700 ns, long tail
            cpu[i] = random.nextInt(8);
            pid[i] = 1000 + random.nextInt(64);
            comm[i] = names[pid[i] - 1000];
        }
        stats = new LatencyStats();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public LatencyStats recordSamples() {
        for (int i = 0; i < N; i++) {
            stats.record(cpu[i], latency[i], pid[i], pid[i], comm[i]);
        }
        return stats;
    }
}
