package io.ctxswitch.bpftrace;

import io.ctxswitch.core.stats.LatencyStats;
import java.util.ArrayList;
import java.util.List;
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
 * Turning bpftrace's output of our script (-f json, as the backend reads it) into the summary's
 * figures: the whole of one output, once per run, when bpftrace stops. The largest output is a
 * full per-task table (16384 tasks, four maps) with every histogram bucket used, on 256 CPUs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BpftraceOutputBenchmark {
    @Param({"0", "16384"})
    public int tasks;

    private List<String> lines;

    @Setup
    public void setUp() {
        int cpus = 256;
        lines = new ArrayList<>();
        lines.add("{\"type\": \"attached_probes\", \"data\": {\"probes\": 5}}");
        lines.add("{\"type\": \"printf\", \"data\": \"ctxswitch bpftrace script: probe sched-tp\\n\"}");
        lines.add("{\"type\": \"printf\", \"data\": \"ctxswitch: attached\\n\"}");
        lines.add("{\"type\": \"printf\", \"data\": \"ctxswitch: elapsed ns 10000000000\\n\"}");
        StringBuilder hist = new StringBuilder("{\"type\": \"map\", \"data\": {\"@ctxsw_hist\": {");
        for (int b = 0; b < io.ctxswitch.core.stats.LogLinearBuckets.COUNT; b++) {
            hist.append(b == 0 ? "" : ", ").append('"').append(b).append("\": ").append(b * 7 + 1);
        }
        lines.add(hist.append("}}}").toString());
        for (String map : List.of("@ctxsw_n", "@ctxsw_sum", "@ctxsw_min", "@ctxsw_max")) {
            StringBuilder m = new StringBuilder("{\"type\": \"map\", \"data\": {\"" + map + "\": {");
            for (int c = 0; c < cpus; c++) {
                m.append(c == 0 ? "" : ", ").append('"').append(c).append("\": ").append(1000 + c);
            }
            lines.add(m.append("}}}").toString());
        }
        for (String map : List.of("@ctxsw_task_n", "@ctxsw_task_sum", "@ctxsw_task_min", "@ctxsw_task_max")) {
            StringBuilder m = new StringBuilder("{\"type\": \"map\", \"data\": {\"" + map + "\": {");
            for (int t = 0; t < tasks; t++) {
                m.append(t == 0 ? "" : ", ").append('"').append(t + 1).append(',').append(t + 1).append(",worker-").append(t)
                        .append("\": ").append(t + 1);
            }
            lines.add(m.append("}}}").toString());
        }
        lines.add("{\"type\": \"map\", \"data\": {\"@ctxsw_unpaired\": 3}}");
    }

    @Benchmark
    public LatencyStats parseOutput() {
        BpftraceResult result = new BpftraceResult();
        for (String line : lines) {
            result.accept(line);
        }
        return result.stats();
    }
}
