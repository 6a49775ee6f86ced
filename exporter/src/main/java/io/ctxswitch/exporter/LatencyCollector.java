package io.ctxswitch.exporter;

import io.ctxswitch.core.model.SwitchKind;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.stats.CgroupSeries;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LogLinearBuckets;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
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
 * <p>With a breakdown ({@link Breakdown}) the histogram has only the breakdown's series, never the total
 * beside them: {@code sum without (kind)} or {@code sum without (cgroup)} gives the total, as a PromQL user
 * expects of a label, where a total among them would be counted twice. By kind: one series per kind (and
 * per CPU under {@code --per-cpu}: the kernel keeps kinds per CPU), every kind from the first scrape. By cgroup:
 * the series of {@link CgroupSeries} (kept by the source, which closes intervals to keep its table of cgroups free), classic buckets only (the kernel keeps a cgroup's latencies in
 * power-of-two buckets, which give the classic bounds exactly and no native schema's), and the counter of
 * switches that no cgroup's series holds, {@code ctxswitch_cgroup_unattributed_total}.
 *
 * <p>Scrapes are served one at a time: each reads the source afresh, so a later scrape never shows
 * less than an earlier one (the source guarantees it of its readings), and two scrapes at once do not
 * both pay for a reading of every CPU.
 */
public final class LatencyCollector implements MultiCollector {
    static final String LATENCY = "ctxswitch_latency_seconds";
    private static final ExpositionFormats FORMATS = ExpositionFormats.init();
    private static final PrometheusProtobufWriter PROTOBUF = FORMATS.getPrometheusProtobufWriter();

    static final String CGROUP_UNATTRIBUTED = "ctxswitch_cgroup_unattributed";

    /** Where the figures come from: the running source's {@code cumulative()}. */
    public interface Figures {
        CumulativeFigures read() throws SourceException;
    }

    /** What labels the histogram's series have besides {@code cpu}: none, {@code kind} or {@code cgroup}. */
    public enum Breakdown {
        NONE, KIND, CGROUP
    }

    private final Figures figures;
    private final boolean perCpu;
    private final Breakdown breakdown;
    private final ExporterInfo info;
    /** The limit of native buckets per series ({@link PrometheusBuckets#nativeSchema}). */
    private final int maxNativeBuckets;
    /** Its buffers are kept from scrape to scrape (scrapes are one at a time): a well-filled scrape's are megabytes. */
    private final HistogramProtobuf histogramProtobuf;
    /** Its buffer too. */
    private final HistogramText histogramText = new HistogramText(PrometheusBuckets.classicBounds());

    public LatencyCollector(Figures figures, boolean perCpu, ExporterInfo info) {
        this(figures, perCpu, Breakdown.NONE, info);
    }

    public LatencyCollector(Figures figures, boolean perCpu, Breakdown breakdown, ExporterInfo info) {
        this(figures, perCpu, breakdown, PrometheusBuckets.DEFAULT_NATIVE_BUCKETS, info);
    }

    /**
     * @param maxNativeBuckets at most this many native buckets per series, from its fastest switch to its slowest: each
     *                         series gets the finest schema (at most 7, the kernel's resolution) that keeps within it
     * @throws IllegalArgumentException for {@code perCpu} with {@link Breakdown#CGROUP}: CPUs times cgroups
     *                                  series (the CLI refuses it); for {@code maxNativeBuckets} below {@link
     *                                  PrometheusBuckets#MIN_NATIVE_BUCKETS}
     */
    public LatencyCollector(Figures figures, boolean perCpu, Breakdown breakdown, int maxNativeBuckets, ExporterInfo info) {
        if (perCpu && breakdown == Breakdown.CGROUP) {
            throw new IllegalArgumentException("cgroups are not served per CPU");
        }
        if (maxNativeBuckets < PrometheusBuckets.MIN_NATIVE_BUCKETS) {
            throw new IllegalArgumentException("at least " + PrometheusBuckets.MIN_NATIVE_BUCKETS + " native buckets: " + maxNativeBuckets);
        }
        this.figures = figures;
        this.perCpu = perCpu;
        this.breakdown = breakdown;
        this.maxNativeBuckets = maxNativeBuckets;
        this.histogramProtobuf = new HistogramProtobuf(maxNativeBuckets);
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
     * nothing. The server's plain scrapes do not come here ({@link #writeProtobuf}, {@link #writeText}); its
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
        Map<HistogramSnapshot.HistogramDataPointSnapshot, HistogramProtobuf.KernelHistogram> kernelBuckets = new IdentityHashMap<>();
        for (MetricSnapshot snapshot : snapshots(read(), false, kernelBuckets)) {
            if (snapshot instanceof HistogramSnapshot histogram && LATENCY.equals(snapshot.getMetadata().getName())) {
                histogramProtobuf.write(out, histogram, kernelBuckets::get, scheme);
            } else {
                PROTOBUF.write(out, MetricSnapshots.of(snapshot), scheme);
            }
        }
    }

    /**
     * The Prometheus text or OpenMetrics exposition of one scrape, as the library's writer {@code format}
     * writes {@link #collect(PrometheusScrapeRequest)} for a text scrape (the same bytes), but with the latency
     * histogram written by {@link HistogramText}. The other families are the library's, in the library's order (by
     * name): those before the histogram written first, without the {@code # EOF} that OpenMetrics' writer ends each
     * call with, those after it in one call, which ends the whole.
     */
    public synchronized void writeText(OutputStream out, ExpositionFormatWriter format, EscapingScheme scheme) throws IOException {
        List<MetricSnapshot> before = new java.util.ArrayList<>();
        List<MetricSnapshot> after = new java.util.ArrayList<>();
        HistogramSnapshot latency = null;
        for (MetricSnapshot snapshot : snapshots(read(), false, null)) {
            if (snapshot instanceof HistogramSnapshot histogram && LATENCY.equals(snapshot.getMetadata().getName())) {
                latency = histogram;
            } else {
                (latency == null ? before : after).add(snapshot);
            }
        }
        boolean openMetrics = format instanceof OpenMetricsTextFormatWriter;
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream(1024);
        format.write(head, new MetricSnapshots(before), scheme);
        byte[] headBytes = head.toByteArray();
        out.write(headBytes, 0, openMetrics ? withoutEof(headBytes) : headBytes.length);
        histogramText.write(out, latency, openMetrics, scheme);
        format.write(out, new MetricSnapshots(after), scheme);
    }

    private static final byte[] OPENMETRICS_EOF = "# EOF\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** The length of an OpenMetrics exposition without the {@code # EOF} line that ends it. */
    private static int withoutEof(byte[] exposition) {
        int length = exposition.length - OPENMETRICS_EOF.length;
        if (length < 0 || !java.util.Arrays.equals(exposition, length, exposition.length, OPENMETRICS_EOF, 0, OPENMETRICS_EOF.length)) {
            throw new IllegalStateException("the library's OpenMetrics writer no longer ends with # EOF");
        }
        return length;
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
            Map<HistogramSnapshot.HistogramDataPointSnapshot, HistogramProtobuf.KernelHistogram> kernelBuckets) {
        HistogramSnapshot.Builder latency = HistogramSnapshot.builder().name(LATENCY).unit(Unit.SECONDS)
                .help("Context-switch latency: on one CPU, from the moment a task stops running to the moment the next one starts");
        switch (breakdown) {
            case KIND -> kindPoints(now, latency, nativeBuckets, kernelBuckets);
            case CGROUP -> cgroupPoints(now, latency, kernelBuckets);
            case NONE -> totalPoints(now, latency, nativeBuckets, kernelBuckets);
        }
        List<MetricSnapshot> all = new java.util.ArrayList<>(List.of(
                latency.build(),
                counter("ctxswitch_unpaired", "Ends of a switch whose start was not seen on that CPU (not samples)", now.unpaired()),
                counter("ctxswitch_no_switch", "Returns from the scheduler that switched to no other task (not samples)", now.noSwitch()),
                counter("ctxswitch_lost", "Events lost in transit before they could be counted", now.lost())));
        if (breakdown == Breakdown.CGROUP) {
            all.add(counter(CGROUP_UNATTRIBUTED, "Switches in no cgroup's series: the kernel's per-CPU cgroup table had no room for their cgroup",
                    now.cgroups() == null ? 0 : now.cgroups().unattributed()));
        }
        all.add(InfoSnapshot.builder().name("ctxswitch").help("What is measuring: version, backend, probe mode, kernel")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of(
                        "version", info.version(), "backend", info.backend(),
                        "probe", info.probe(), "kernel", info.kernel())).build())
                .build());
        return new MetricSnapshots(all);
    }

    private void totalPoints(CumulativeFigures now, HistogramSnapshot.Builder latency, boolean nativeBuckets,
            Map<HistogramSnapshot.HistogramDataPointSnapshot, HistogramProtobuf.KernelHistogram> kernelBuckets) {
        if (perCpu) {
            for (CumulativeFigures.Cpu cpu : now.cpus()) {
                if (cpu.cpu() == CumulativeFigures.Cpu.ALL_CPUS) { // the CLI refuses --per-cpu for such a source (Feature.SERVE_PER_CPU)
                    throw new IllegalStateException("the source keeps one histogram for all CPUs: it cannot be served per CPU");
                }
                latency.dataPoint(point(cpu.buckets(), cpu.powersOfTwo(), cpu.sumNs(), Labels.of("cpu", Integer.toString(cpu.cpu())),
                        nativeBuckets, kernelBuckets));
            }
        } else {
            // every CPU's buckets added up only for native buckets: classic ones need only the powers of two
            boolean needBuckets = nativeBuckets || kernelBuckets != null;
            long[] buckets = needBuckets ? new long[LogLinearBuckets.COUNT] : null;
            long[] powers = new long[LogLinearBuckets.POWERS];
            long sumNs = 0;
            for (CumulativeFigures.Cpu cpu : now.cpus()) {
                sumNs += cpu.sumNs();
                add(powers, cpu.powersOfTwo());
                if (needBuckets) {
                    add(buckets, cpu.buckets());
                }
            }
            latency.dataPoint(point(buckets, powers, sumNs, Labels.EMPTY, nativeBuckets, kernelBuckets));
        }
    }

    /** One series per kind, every kind (and per CPU under --per-cpu, each CPU's kinds in their order). */
    private void kindPoints(CumulativeFigures now, HistogramSnapshot.Builder latency, boolean nativeBuckets,
            Map<HistogramSnapshot.HistogramDataPointSnapshot, HistogramProtobuf.KernelHistogram> kernelBuckets) {
        if (now.kinds().isEmpty() && !now.cpus().isEmpty()) { // the CLI serves --by=kind only from a source that breaks it down
            throw new IllegalStateException("the source does not break its switches down by kind");
        }
        if (perCpu) {
            for (CumulativeFigures.Kind k : now.kinds()) {
                latency.dataPoint(point(k.buckets(), k.powersOfTwo(), k.sumNs(),
                        Labels.of("cpu", Integer.toString(k.cpu()), "kind", k.kind().label()), nativeBuckets, kernelBuckets));
            }
            return;
        }
        for (SwitchKind kind : SwitchKind.values()) {
            long[] buckets = new long[LogLinearBuckets.COUNT];
            long sumNs = 0;
            for (CumulativeFigures.Kind k : now.kinds()) {
                if (k.kind() == kind) {
                    sumNs += k.sumNs();
                    add(buckets, k.buckets());
                }
            }
            latency.dataPoint(point(buckets, LogLinearBuckets.powersOfTwo(buckets), sumNs, Labels.of("kind", kind.label()), nativeBuckets,
                    kernelBuckets));
        }
    }

    /** The cgroups' series, as the source keeps them ({@link CgroupSeries}): classic buckets only, from their power-of-two buckets. */
    private void cgroupPoints(CumulativeFigures now, HistogramSnapshot.Builder latency,
            Map<HistogramSnapshot.HistogramDataPointSnapshot, HistogramProtobuf.KernelHistogram> kernelBuckets) {
        List<CgroupSeries.Series> series = now.cgroups() != null ? now.cgroups().series()
                : List.of(new CgroupSeries.Series(CgroupSeries.OTHER, 0, 0, new long[0])); // nothing measured yet
        for (CgroupSeries.Series s : series) {
            HistogramSnapshot.HistogramDataPointSnapshot point = HistogramSnapshot.HistogramDataPointSnapshot.builder()
                    .classicHistogramBuckets(PrometheusBuckets.classicFromPowersOfTwo(s.log2Buckets()))
                    .sum(s.sumNs() / 1e9)
                    .labels(Labels.of("cgroup", s.cgroup()))
                    .build();
            latency.dataPoint(point);
            if (kernelBuckets != null) {
                kernelBuckets.put(point, HistogramProtobuf.KernelHistogram.CLASSIC_ONLY);
            }
        }
    }

    private static void add(long[] to, long[] from) {
        for (int i = 0; i < from.length; i++) {
            to[i] += from[i];
        }
    }

    /**
     * One histogram data point. Its count is the buckets' total, which the source makes equal to its
     * exact count ({@link CumulativeFigures.Cpu}); the sum is the exact sum, never a bucket estimate.
     */
    private HistogramSnapshot.HistogramDataPointSnapshot point(long[] kernelBuckets, long[] powersOfTwo, long sumNs, Labels labels,
            boolean nativeBuckets, Map<HistogramSnapshot.HistogramDataPointSnapshot, HistogramProtobuf.KernelHistogram> kernelBucketsOf) {
        HistogramSnapshot.HistogramDataPointSnapshot.Builder point = HistogramSnapshot.HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(PrometheusBuckets.classicFromPowersOfTwo(powersOfTwo))
                .sum(sumNs / 1e9) // division by 1e9 is correctly rounded; multiplying by 1e-9 is not
                .labels(labels);
        if (nativeBuckets) {
            int schema = PrometheusBuckets.nativeSchema(kernelBuckets, powersOfTwo, maxNativeBuckets);
            point.nativeSchema(schema)
                    .nativeZeroCount(PrometheusBuckets.NATIVE_ZERO_COUNT)
                    .nativeZeroThreshold(PrometheusBuckets.NATIVE_ZERO_THRESHOLD)
                    .nativeBucketsForPositiveValues(PrometheusBuckets.nativeBuckets(kernelBuckets, schema))
                    .nativeBucketsForNegativeValues(NativeHistogramBuckets.EMPTY);
        }
        HistogramSnapshot.HistogramDataPointSnapshot built = point.build();
        if (kernelBucketsOf != null) {
            kernelBucketsOf.put(built, new HistogramProtobuf.KernelHistogram(kernelBuckets, powersOfTwo));
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
        return List.of(LATENCY, "ctxswitch_unpaired", "ctxswitch_no_switch", "ctxswitch_lost", CGROUP_UNATTRIBUTED, "ctxswitch");
    }
}
