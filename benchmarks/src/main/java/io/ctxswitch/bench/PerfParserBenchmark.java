package io.ctxswitch.bench;

import io.ctxswitch.core.stats.LatencyStats;
import io.ctxswitch.perf.PerfScriptReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
 * Replaying perf script text: line splitting, parsing, pairing and recording, from memory (no I/O).
 * The score is traces per second; lines per second = score × lines (printed at setup).
 * Target: 3 million lines per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PerfParserBenchmark {
    /** A real fixture, repeated to about 20 MB so each call streams well past the reader's buffer. */
    @Param({"pipe.txt", "names.txt"})
    public String fixture;

    private byte[] trace;

    @Setup
    public void setUp() throws IOException {
        byte[] one;
        try (InputStream in = PerfParserBenchmark.class.getResourceAsStream("/perf/" + fixture)) {
            one = in.readAllBytes();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (out.size() < 20 << 20) {
            out.write(one);
        }
        trace = out.toByteArray();
        long lines = 0;
        for (byte b : trace) {
            if (b == '\n') {
                lines++;
            }
        }
        System.out.println("# " + fixture + " x" + (trace.length / one.length) + ": " + lines + " lines per operation");
    }

    @Benchmark
    public LatencyStats replay() throws IOException {
        LatencyStats stats = new LatencyStats();
        PerfScriptReader.read(new ByteArrayInputStream(trace), stats, () -> false);
        return stats;
    }
}
