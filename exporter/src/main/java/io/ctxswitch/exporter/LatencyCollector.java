package io.ctxswitch.exporter;

import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LogLinearBuckets;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.expositionformats.PrometheusProtobufWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusScrapeRequest;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.NativeHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics of {@code --serve} (../shared/DESIGN.md §4), read from the source at each scrape and at
 * no other time: the {@code ctxswitch_latency_seconds} histogram (classic and native buckets, exact
 * {@code _sum} and {@code _count}), per CPU under {@code --per-cpu}; the unpaired, no-switch and lost
 * counters; and {@code ctxswitch_info}.
 *
 * <p>Scrapes are served one at a time: each reads the source afresh, so a later scrape never shows
 * less than an earlier one (the source guarantees it of its readings), and two scrapes at once do not
 * both pay for a reading of every CPU.
 */
public final class LatencyCollector implements MultiCollector {
    static final String LATENCY = "ctxswitch_latency_seconds";
    private static final ExpositionFormats FORMATS = ExpositionFormats.init();
    private static final PrometheusProtobufWriter PROTOBUF = FORMATS.getPrometheusProtobufWriter();

    /** Where the figures come from: the running source's {@code cumulative()}. */
    public interface Figures {
        CumulativeFigures read() throws SourceException;
    }

    private final Figures figures;
    private final boolean perCpu;
    private final ExporterInfo info;
    /** Its buffers are kept from scrape to scrape (scrapes are one at a time): a well-filled scrape's are megabytes. */
    private final HistogramProtobuf histogramProtobuf = new HistogramProtobuf();

    public LatencyCollector(Figures figures, boolean perCpu, ExporterInfo info) {
        this.figures = figures;
        this.perCpu = perCpu;
        this.info = info;
    }

    /** Native buckets too: what is asked without a request (a registry's scrape()) gets everything. */
    @Override
    public MetricSnapshots collect() {
        return collect(true);
    }

    /**
     * Native buckets only for a scraper that gets them: protobuf, the only format that carries them,
     * chosen from the request's Accept header as the library's handler chooses its writer. Making
     * them in the library's model costs a scrape of many CPUs with well-filled histograms most of
     * its time (the library sorts every CPU's native buckets), which a text scrape would pay for
     * nothing. The server's plain protobuf scrapes do not come here ({@link #writeProtobuf}); its
     * other ones do (a {@code debug} or {@code name[]} query, handled by the library).
     */
    @Override
    public MetricSnapshots collect(PrometheusScrapeRequest request) {
        return collect(wantsNativeBuckets(request));
    }

    static boolean wantsNativeBuckets(PrometheusScrapeRequest request) {
        if (!(request instanceof PrometheusHttpRequest http)) {
            return true;
        }
        String accept = http.getHeader("Accept");
        return accept != null && FORMATS.findWriter(accept) instanceof PrometheusProtobufWriter;
    }

    private synchronized MetricSnapshots collect(boolean nativeBuckets) {
        return snapshots(read(), nativeBuckets, null);
    }

    /**
     * The protobuf exposition of one scrape, as the library's {@code PrometheusProtobufWriter} writes
     * {@link #collect()} (the same bytes), but with the latency histogram written by {@link
     * HistogramProtobuf}: its native buckets go from the kernel's counts to the wire without the
     * library's model, whose sort and builders cost a scrape of many well-filled CPUs many times its
     * budget. The other families, and the order of all, are the library's.
     */
    public synchronized void writeProtobuf(OutputStream out, EscapingScheme scheme) throws IOException {
        Map<HistogramSnapshot.HistogramDataPointSnapshot, long[]> kernelBuckets = new IdentityHashMap<>();
        for (MetricSnapshot snapshot : snapshots(read(), false, kernelBuckets)) {
            if (snapshot instanceof HistogramSnapshot histogram && LATENCY.equals(snapshot.getMetadata().getName())) {
                histogramProtobuf.write(out, histogram, kernelBuckets::get, scheme);
            } else {
                PROTOBUF.write(out, MetricSnapshots.of(snapshot), scheme);
            }
        }
    }

    private CumulativeFigures read() {
        try {
            return figures.read();
        } catch (SourceException e) {
            throw new IllegalStateException(e.getMessage(), e); // the library answers 500 and logs nothing of ours
        }
    }

    /**
     * The scrape's snapshots; native buckets if asked. {@code kernelBuckets}, when given, gets each
     * histogram data point's kernel bucket counts.
     */
    private MetricSnapshots snapshots(CumulativeFigures now, boolean nativeBuckets,
            Map<HistogramSnapshot.HistogramDataPointSnapshot, long[]> kernelBuckets) {
        HistogramSnapshot.Builder latency = HistogramSnapshot.builder().name(LATENCY).unit(Unit.SECONDS)
                .help("Context-switch latency: on one CPU, from the moment a task stops running to the moment the next one starts");
        if (perCpu) {
            for (CumulativeFigures.Cpu cpu : now.cpus()) {
                if (cpu.cpu() == CumulativeFigures.Cpu.ALL_CPUS) { // the CLI refuses --per-cpu for such a source (Feature.SERVE_PER_CPU)
                    throw new IllegalStateException("the source keeps one histogram for all CPUs: it cannot be served per CPU");
                }
                latency.dataPoint(point(cpu.buckets(), cpu.sumNs(), Labels.of("cpu", Integer.toString(cpu.cpu())), nativeBuckets, kernelBuckets));
            }
        } else {
            long[] buckets = new long[LogLinearBuckets.COUNT];
            long sumNs = 0;
            for (CumulativeFigures.Cpu cpu : now.cpus()) {
                sumNs += cpu.sumNs();
                long[] b = cpu.buckets();
                for (int i = 0; i < b.length; i++) {
                    buckets[i] += b[i];
                }
            }
            latency.dataPoint(point(buckets, sumNs, Labels.EMPTY, nativeBuckets, kernelBuckets));
        }
        return MetricSnapshots.of(
                latency.build(),
                counter("ctxswitch_unpaired", "Ends of a switch whose start was not seen on that CPU (not samples)", now.unpaired()),
                counter("ctxswitch_no_switch", "Returns from the scheduler that switched to no other task (not samples)", now.noSwitch()),
                counter("ctxswitch_lost", "Events lost in transit before they could be counted", now.lost()),
                InfoSnapshot.builder().name("ctxswitch").help("What is measuring: version, backend, probe mode, kernel")
                        .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of(
                                "version", info.version(), "backend", info.backend(),
                                "probe", info.probe(), "kernel", info.kernel())).build())
                        .build());
    }

    /**
     * One histogram data point. Its count is the buckets' total, which the source makes equal to its
     * exact count ({@link CumulativeFigures.Cpu}); the sum is the exact sum, never a bucket estimate.
     */
    private static HistogramSnapshot.HistogramDataPointSnapshot point(long[] kernelBuckets, long sumNs, Labels labels, boolean nativeBuckets,
            Map<HistogramSnapshot.HistogramDataPointSnapshot, long[]> kernelBucketsOf) {
        HistogramSnapshot.HistogramDataPointSnapshot.Builder point = HistogramSnapshot.HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(PrometheusBuckets.classic(kernelBuckets))
                .sum(sumNs / 1e9) // division by 1e9 is correctly rounded; multiplying by 1e-9 is not
                .labels(labels);
        if (nativeBuckets) {
            point.nativeSchema(PrometheusBuckets.NATIVE_SCHEMA)
                    .nativeZeroCount(PrometheusBuckets.NATIVE_ZERO_COUNT)
                    .nativeZeroThreshold(PrometheusBuckets.NATIVE_ZERO_THRESHOLD)
                    .nativeBucketsForPositiveValues(PrometheusBuckets.nativeBuckets(kernelBuckets))
                    .nativeBucketsForNegativeValues(NativeHistogramBuckets.EMPTY);
        }
        HistogramSnapshot.HistogramDataPointSnapshot built = point.build();
        if (kernelBucketsOf != null) {
            kernelBucketsOf.put(built, kernelBuckets);
        }
        return built;
    }

    private static CounterSnapshot counter(String name, String help, long value) {
        return CounterSnapshot.builder().name(name).help(help)
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build())
                .build();
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(LATENCY, "ctxswitch_unpaired", "ctxswitch_no_switch", "ctxswitch_lost", "ctxswitch");
    }
}
