package io.ctxswitch.exporter;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.ctxswitch.core.stats.LogLinearBuckets;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.SnapshotEscaper;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Writes {@code ctxswitch_latency_seconds} in the protobuf exposition (one length-delimited
 * {@code io.prometheus.client.MetricFamily}), its native buckets made straight from the kernel's
 * bucket counts: the same bytes as the Prometheus client's {@code PrometheusProtobufWriter} writes
 * for the same histogram with {@link PrometheusBuckets#nativeBuckets native buckets} (pinned by
 * {@code HistogramProtobufTest}), without its cost.
 *
 * <p>Why not the library (1.10.0, the newest 1.x served): a native bucket reaches its writer only
 * through {@code NativeHistogramBuckets.of} (or its builder, which calls it), which sorts the buckets
 * on every call, and its sort is at its slowest on buckets already in order. Its introsort's 3-way
 * partition swaps every element above the pivot with the far end, which leaves that part rotated
 * (its smallest element last); the median of three of a rotated run is one of its smallest, so from
 * there each level removes only a few elements, until the depth limit (2 log2 n) hands the rest to
 * heapsort: for 3,800 buckets in order, 108 partitions covering 75,000 elements and heapsorts of
 * 2,680, where balanced partitions would take 7 levels (up to 1.6 it was a bubble sort without early
 * exit: n^2/2 comparisons). And, sort or not, its writer copies every bucket into generated
 * protobuf builders before serializing them. With every kernel bucket filled on 256 CPUs (900,000
 * native buckets per scrape) either alone is over the 5 ms a scrape may cost (README, "Cost of a
 * scrape").
 *
 * <p>Field numbers and order are {@code metrics.proto}'s (github.com/prometheus/client_model), in
 * the order the generated code writes them; proto2, so a field that the library sets is written even
 * when it is zero, and repeated scalars are not packed. Spans and deltas follow the library's
 * {@code addBuckets}: a gap of one or two empty buckets continues the span with zero counts, a wider
 * one starts a new span whose offset is the gap. A data point without native buckets (a cgroup's: the
 * kernel keeps power-of-two buckets, LatencyCollector) has only its classic ones, as the library writes
 * it. Exemplars and created timestamps: the collector makes none.
 */
final class HistogramProtobuf {
    /**
     * A data point's kernel buckets and the same samples per power of two ({@link io.ctxswitch.core.stats.LogLinearBuckets#powersOfTwo}),
     * or {@link #CLASSIC_ONLY} for one served without native buckets.
     */
    record KernelHistogram(long[] buckets, long[] powersOfTwo) {
        static final KernelHistogram CLASSIC_ONLY = new KernelHistogram(new long[0], new long[0]);
    }

    // MetricFamily
    private static final int FAMILY_NAME = 1;
    private static final int FAMILY_HELP = 2;
    private static final int FAMILY_TYPE = 3;
    private static final int FAMILY_METRIC = 4;
    private static final int TYPE_HISTOGRAM = 4;
    private static final int TYPE_GAUGE_HISTOGRAM = 5;
    // Metric
    private static final int METRIC_LABEL = 1;
    private static final int METRIC_TIMESTAMP_MS = 6;
    private static final int METRIC_HISTOGRAM = 7;
    // LabelPair
    private static final int LABEL_NAME = 1;
    private static final int LABEL_VALUE = 2;
    // Histogram
    private static final int SAMPLE_COUNT = 1;
    private static final int SAMPLE_SUM = 2;
    private static final int BUCKET = 3;
    private static final int SCHEMA = 5;
    private static final int ZERO_THRESHOLD = 6;
    private static final int ZERO_COUNT = 7;
    private static final int POSITIVE_SPAN = 12;
    private static final int POSITIVE_DELTA = 13;
    // Bucket
    private static final int CUMULATIVE_COUNT = 1;
    private static final int UPPER_BOUND = 2;
    // BucketSpan
    private static final int SPAN_OFFSET = 1;
    private static final int SPAN_LENGTH = 2;

    /** A positive delta's tag: field 13, varint; one byte. */
    private static final byte DELTA_TAG = (byte) (POSITIVE_DELTA << 3 | WireFormat.WIRETYPE_VARINT);
    /** Tag and the longest varint. */
    private static final int MAX_DELTA_BYTES = 1 + 10;

    /** The current data point's spans and deltas; reused from point to point. */
    private final int[] spanOffsets = new int[LogLinearBuckets.COUNT];
    private final int[] spanLengths = new int[LogLinearBuckets.COUNT];
    /**
     * The positive deltas as they go on the wire (tag and zigzag varint each), written here by a plain
     * loop: through CodedOutputStream's per-value calls a million deltas took three times as long.
     * A gap of one or two empty buckets adds as many deltas: at most three per native bucket.
     */
    private final byte[] deltas = new byte[3 * LogLinearBuckets.COUNT * MAX_DELTA_BYTES];
    private int spans;
    private int deltasSize;
    /** The current data point's schema ({@link PrometheusBuckets#nativeSchema}). */
    private int schema;
    /** At most this many native buckets per data point, from its lowest to its highest (the schema is coarsened until so). */
    private final int maxNativeBuckets;
    /** The data points' Metric messages, written before the family's length is known. */
    private byte[] metrics = new byte[1 << 16];
    private int metricsSize;

    HistogramProtobuf(int maxNativeBuckets) {
        this.maxNativeBuckets = maxNativeBuckets;
    }

    /**
     * Writes {@code histogram} (classic buckets, sum, count, labels: as the library would) with
     * native buckets made from each data point's kernel bucket counts, of the schema that {@link
     * PrometheusBuckets#nativeSchema} gives them, as {@link PrometheusBuckets#nativeBuckets} makes them; none for a data point
     * whose kernel buckets are given as an empty array.
     */
    void write(OutputStream out, HistogramSnapshot snapshot, Function<HistogramDataPointSnapshot, KernelHistogram> kernelBuckets,
            EscapingScheme scheme) throws IOException {
        // As the library: names escaped as the scraper asked, and a family without data points left out.
        HistogramSnapshot histogram = (HistogramSnapshot) SnapshotEscaper.escapeMetricSnapshot(snapshot, scheme);
        if (histogram.getDataPoints().isEmpty()) {
            return;
        }
        metricsSize = 0;
        for (HistogramDataPointSnapshot point : histogram.getDataPoints()) {
            KernelHistogram kernel = kernelBuckets.apply(point);
            if (kernel == null) { // a data point that escaping had to copy: a label name that needs it, which ours never do
                throw new IllegalStateException("no kernel buckets for the data point labelled " + point.getLabels());
            }
            addMetric(point, kernel == KernelHistogram.CLASSIC_ONLY ? null : kernel, scheme);
        }
        String name = SnapshotEscaper.getMetadataName(histogram.getMetadata(), scheme);
        String help = histogram.getMetadata().getHelp();
        int type = histogram.isGaugeHistogram() ? TYPE_GAUGE_HISTOGRAM : TYPE_HISTOGRAM;
        int familySize = CodedOutputStream.computeStringSize(FAMILY_NAME, name)
                + (help != null ? CodedOutputStream.computeStringSize(FAMILY_HELP, help) : 0)
                + CodedOutputStream.computeEnumSize(FAMILY_TYPE, type)
                + metricsSize;
        CodedOutputStream head = CodedOutputStream.newInstance(out, 256);
        head.writeUInt32NoTag(familySize);
        head.writeString(FAMILY_NAME, name);
        if (help != null) {
            head.writeString(FAMILY_HELP, help);
        }
        head.writeEnum(FAMILY_TYPE, type);
        head.flush();
        out.write(metrics, 0, metricsSize);
    }

    /** Appends one data point's Metric (tag, length, message) to {@link #metrics}; {@code kernel} null for a classic-only one. */
    private void addMetric(HistogramDataPointSnapshot point, KernelHistogram kernel, EscapingScheme scheme) throws IOException {
        boolean nativeBuckets = kernel != null;
        if (nativeBuckets) {
            int[] ends = PrometheusBuckets.nonEmptyEnds(kernel.buckets(), kernel.powersOfTwo());
            if (ends == null) {
                schema = PrometheusBuckets.MAX_NATIVE_SCHEMA;
                spans = 0;
                deltasSize = 0;
            } else {
                schema = PrometheusBuckets.nativeSchema(ends[0], ends[1], maxNativeBuckets);
                spansAndDeltas(kernel.buckets(), ends[0], ends[1], schema);
            }
        }
        ClassicHistogramBuckets classic = point.getClassicBuckets();
        int histogramSize = histogramSize(point, classic, nativeBuckets);
        Labels labels = point.getLabels();
        int metricSize = 0;
        for (int i = 0; i < labels.size(); i++) {
            metricSize += messageSize(METRIC_LABEL, labelSize(SnapshotEscaper.getSnapshotLabelName(labels, i, scheme), labels.getValue(i)));
        }
        if (point.hasScrapeTimestamp()) {
            metricSize += CodedOutputStream.computeInt64Size(METRIC_TIMESTAMP_MS, point.getScrapeTimestampMillis());
        }
        metricSize += messageSize(METRIC_HISTOGRAM, histogramSize);
        int total = messageSize(FAMILY_METRIC, metricSize);
        if (metricsSize + total > metrics.length) {
            metrics = Arrays.copyOf(metrics, Math.max(metrics.length * 2, metricsSize + total));
        }
        CodedOutputStream out = CodedOutputStream.newInstance(metrics, metricsSize, total);
        writeHeader(out, FAMILY_METRIC, metricSize);
        for (int i = 0; i < labels.size(); i++) {
            String name = SnapshotEscaper.getSnapshotLabelName(labels, i, scheme);
            writeHeader(out, METRIC_LABEL, labelSize(name, labels.getValue(i)));
            out.writeString(LABEL_NAME, name);
            out.writeString(LABEL_VALUE, labels.getValue(i));
        }
        if (point.hasScrapeTimestamp()) {
            out.writeInt64(METRIC_TIMESTAMP_MS, point.getScrapeTimestampMillis());
        }
        writeHeader(out, METRIC_HISTOGRAM, histogramSize);
        writeHistogram(out, point, classic, nativeBuckets);
        out.checkNoSpaceLeft(); // the sizes above and the bytes written agree
        metricsSize += total;
    }

    /**
     * The library's addBuckets over the native buckets that {@link PrometheusBuckets#nativeRuns} makes, from the kernel
     * buckets {@code first} to {@code last} (the first and the last non-empty one): a native bucket at a time, its count
     * the sum of its run of kernel buckets ({@link PrometheusBuckets#runEnd}), a tight loop without a branch on each
     * bucket (stepping from one non-empty kernel bucket to the next mispredicted on most of a real CPU's 1,300), then
     * into the spans and deltas if not empty. Locals only: this is most of a well-filled scrape's time.
     */
    private void spansAndDeltas(long[] kernel, int first, int last, int schema) {
        byte[] out = deltas;
        int p = 0;
        int spanCount = 0;
        int offset = 0;
        int length = 0;
        int previousIndex = Integer.MIN_VALUE; // none yet
        long previousCount = 0;
        for (int b = first; b <= last;) {
            int end = Math.min(PrometheusBuckets.runEnd(b, schema), last + 1);
            long count = 0;
            for (int k = b; k < end; k++) {
                count += kernel[k];
            }
            int index = PrometheusBuckets.nativeIndexOfKernelBucket(b, schema);
            b = end;
            if (count == 0) {
                continue;
            }
            if (previousIndex == Integer.MIN_VALUE) { // the first native bucket: the first span starts at it
                offset = index;
            } else if (index > previousIndex + 1) {
                if (index <= previousIndex + 3) { // a gap of one or two: the span goes on with empty buckets
                    while (index > previousIndex + 1) {
                        length++;
                        previousIndex++;
                        p = putDelta(out, p, -previousCount);
                        previousCount = 0;
                    }
                } else { // a wider gap: a new span, its offset the gap
                    spanOffsets[spanCount] = offset;
                    spanLengths[spanCount] = length;
                    spanCount++;
                    offset = index - (previousIndex + 1);
                    length = 0;
                }
            }
            length++;
            previousIndex = index;
            p = putDelta(out, p, count - previousCount);
            previousCount = count;
        }
        if (previousIndex != Integer.MIN_VALUE) {
            spanOffsets[spanCount] = offset;
            spanLengths[spanCount] = length;
            spanCount++;
        }
        spans = spanCount;
        deltasSize = p;
    }

    /** One positive delta at {@code p}, field 13 as sint64: its tag, then its zigzag encoding as a varint. Returns the position after it. */
    private static int putDelta(byte[] out, int p, long delta) {
        out[p++] = DELTA_TAG;
        long v = CodedOutputStream.encodeZigZag64(delta);
        while ((v & ~0x7FL) != 0) {
            out[p++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[p++] = (byte) v;
        return p;
    }

    private int histogramSize(HistogramDataPointSnapshot point, ClassicHistogramBuckets classic, boolean nativeBuckets) {
        int size = 0;
        if (point.hasCount()) {
            size += CodedOutputStream.computeUInt64Size(SAMPLE_COUNT, point.getCount());
        }
        if (point.hasSum()) {
            size += CodedOutputStream.computeDoubleSize(SAMPLE_SUM, point.getSum());
        }
        long cumulative = 0;
        for (int i = 0; i < classic.size(); i++) {
            cumulative += classic.getCount(i);
            size += messageSize(BUCKET, bucketSize(cumulative, classic.getUpperBound(i)));
        }
        if (!nativeBuckets) {
            return size;
        }
        size += CodedOutputStream.computeSInt32Size(SCHEMA, schema)
                + CodedOutputStream.computeDoubleSize(ZERO_THRESHOLD, PrometheusBuckets.NATIVE_ZERO_THRESHOLD)
                + CodedOutputStream.computeUInt64Size(ZERO_COUNT, PrometheusBuckets.NATIVE_ZERO_COUNT);
        for (int s = 0; s < spans; s++) {
            size += messageSize(POSITIVE_SPAN, spanSize(spanOffsets[s], spanLengths[s]));
        }
        return size + deltasSize;
    }

    private void writeHistogram(CodedOutputStream out, HistogramDataPointSnapshot point, ClassicHistogramBuckets classic, boolean nativeBuckets)
            throws IOException {
        if (point.hasCount()) {
            out.writeUInt64(SAMPLE_COUNT, point.getCount());
        }
        if (point.hasSum()) {
            out.writeDouble(SAMPLE_SUM, point.getSum());
        }
        long cumulative = 0;
        for (int i = 0; i < classic.size(); i++) {
            cumulative += classic.getCount(i);
            writeHeader(out, BUCKET, bucketSize(cumulative, classic.getUpperBound(i)));
            out.writeUInt64(CUMULATIVE_COUNT, cumulative);
            out.writeDouble(UPPER_BOUND, classic.getUpperBound(i));
        }
        if (!nativeBuckets) {
            return;
        }
        out.writeSInt32(SCHEMA, schema);
        out.writeDouble(ZERO_THRESHOLD, PrometheusBuckets.NATIVE_ZERO_THRESHOLD);
        out.writeUInt64(ZERO_COUNT, PrometheusBuckets.NATIVE_ZERO_COUNT);
        for (int s = 0; s < spans; s++) {
            writeHeader(out, POSITIVE_SPAN, spanSize(spanOffsets[s], spanLengths[s]));
            out.writeSInt32(SPAN_OFFSET, spanOffsets[s]);
            out.writeUInt32(SPAN_LENGTH, spanLengths[s]);
        }
        out.writeRawBytes(deltas, 0, deltasSize);
    }

    private static int labelSize(String name, String value) {
        return CodedOutputStream.computeStringSize(LABEL_NAME, name) + CodedOutputStream.computeStringSize(LABEL_VALUE, value);
    }

    private static int bucketSize(long cumulative, double upperBound) {
        return CodedOutputStream.computeUInt64Size(CUMULATIVE_COUNT, cumulative) + CodedOutputStream.computeDoubleSize(UPPER_BOUND, upperBound);
    }

    private static int spanSize(int offset, int length) {
        return CodedOutputStream.computeSInt32Size(SPAN_OFFSET, offset) + CodedOutputStream.computeUInt32Size(SPAN_LENGTH, length);
    }

    /** Bytes of an embedded message field: tag, length, message. */
    private static int messageSize(int field, int size) {
        return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(size) + size;
    }

    private static void writeHeader(CodedOutputStream out, int field, int size) throws IOException {
        out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(size);
    }
}
