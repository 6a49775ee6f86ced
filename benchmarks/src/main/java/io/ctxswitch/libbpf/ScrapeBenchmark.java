package io.ctxswitch.libbpf;

import com.sun.jna.Memory;
import io.ctxswitch.core.stats.LogLinearBuckets;
import io.ctxswitch.exporter.ExporterInfo;
import io.ctxswitch.exporter.LatencyCollector;
import io.ctxswitch.exporter.ScrapeWriter;
import io.ctxswitch.exporter.testing.AcceptingRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.zip.GZIPOutputStream;
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
 * One scrape of {@code --serve --per-cpu} on a 256-CPU machine, as the server answers a plain
 * scrape ({@link ScrapeWriter}): the collector reads every CPU's slot and histogram from the kernel's
 * area (synthetic memory laid out as struct cpu_agg[], as {@link MapReadBenchmark}'s), builds the
 * classic and native buckets, and writes the exposition in the format that the scraper's Accept
 * header chooses: text and OpenMetrics by the library's writer from the collector's snapshots (no
 * native buckets: those formats do not carry them), protobuf by {@link
 * LatencyCollector#writeProtobuf} (native buckets straight from the kernel's counts). Single-threaded
 * and never blocking, so its time is its CPU time. Target: under 5 ms (issue 14).
 *
 * <p>{@code spread}: "typical" has 8 latencies per CPU (400 ns to 90 us); "recorded" has the kernel's
 * per-CPU histograms of a real run of this machine ({@link RecordedCpuHistograms}), the recorded CPUs
 * repeated over the 256, what a real machine's scrape carries; "every-bucket" has every kernel
 * bucket non-empty on every CPU, the most native buckets a scrape can carry. {@code
 * compression}: "none"; "gzip", as the server compresses for a scraper that accepts it (Prometheus
 * does), {@link ScrapeWriter#gzipped}; "gzip-default", gzip at its default level, as the library's
 * handler compresses (and the server did before).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ScrapeBenchmark {
    static final int CPUS = 256;

    @Param({"text", "openmetrics", "protobuf"})
    public String format;

    @Param({"typical", "recorded", "every-bucket"})
    public String spread;

    @Param({"none", "gzip", "gzip-default"})
    public String compression;

    private ScrapeWriter scrapeWriter;
    private PrometheusHttpRequest request;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
    /** Bytes of the last answer, printed once so that the size goes with the time. */
    private int size;

    @Setup
    public void setUp() throws IOException {
        Memory area = new Memory((long) CPUS * KernelLayout.CPU_AGG_SIZE);
        area.clear();
        long epoch = 1; // --serve drains only at stop: the first interval stays open, as here
        List<RecordedCpuHistograms.Cpu> recorded = "recorded".equals(spread) ? RecordedCpuHistograms.load() : List.of();
        for (int cpu = 0; cpu < CPUS; cpu++) {
            long base = (long) cpu * KernelLayout.CPU_AGG_SIZE;
            long count = 0;
            long sum = 0;
            if ("typical".equals(spread)) {
                for (long ns : new long[] {400, 650, 700, 720, 900, 1500, 4000, 90_000}) {
                    area.setLong(base + KernelLayout.CPU_HIST + 8L * LogLinearBuckets.bucketOf(ns), 125_000);
                    count += 125_000;
                    sum += 125_000 * ns;
                }
            } else if ("recorded".equals(spread)) {
                RecordedCpuHistograms.Cpu from = recorded.get(cpu % recorded.size());
                area.write(base + KernelLayout.CPU_HIST, from.hist(), 0, from.hist().length);
                count = from.count();
                sum = from.sumNs();
            } else {
                for (int b = 0; b < LogLinearBuckets.COUNT; b++) {
                    long n = 1 + (b + cpu) % 97;
                    area.setLong(base + KernelLayout.CPU_HIST + 8L * b, n);
                    count += n;
                    sum += n * LogLinearBuckets.representative(b, 0, Long.MAX_VALUE);
                }
            }
            long slot = KernelLayout.slot(base + KernelLayout.CPU_SLOTS, epoch);
            area.setLong(slot + KernelLayout.SLOT_EPOCH, epoch);
            area.setLong(slot + KernelLayout.SLOT_COUNT, count);
            area.setLong(slot + KernelLayout.SLOT_SUM, sum);
            area.setLong(base + KernelLayout.CPU_UNPAIRED, 3);
        }
        CpuAreaReader reader = new CpuAreaReader(CPUS);
        LatencyCollector collector = new LatencyCollector(() -> reader.cumulative(area, epoch), true,
                new ExporterInfo("bench", "libbpf", "sched-tp", "6.18"));
        scrapeWriter = new ScrapeWriter(collector);
        String accept = switch (format) {
            case "text" -> "text/plain;version=0.0.4";
            case "openmetrics" -> "application/openmetrics-text;version=1.0.0";
            case "protobuf" -> "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";
            default -> throw new IllegalArgumentException(format);
        };
        request = new AcceptingRequest(accept, "none".equals(compression) ? null : "gzip");
        if (!scrapeWriter.answers(request) || ScrapeWriter.gzip(request) == "none".equals(compression)) {
            throw new IllegalStateException("the server would not answer this request so: " + accept + ", " + compression);
        }
        scrape();
        System.out.printf("%n# %s, %s, %s: %,d bytes per scrape%n", format, spread, compression, size);
    }

    @Benchmark
    public int scrape() throws IOException {
        out.reset();
        switch (compression) {
            case "none" -> scrapeWriter.write(out, request);
            case "gzip" -> {
                try (OutputStream body = ScrapeWriter.gzipped(out)) {
                    scrapeWriter.write(body, request);
                }
            }
            default -> {
                try (OutputStream body = new GZIPOutputStream(out)) {
                    scrapeWriter.write(body, request);
                }
            }
        }
        size = out.size();
        return size;
    }
}
