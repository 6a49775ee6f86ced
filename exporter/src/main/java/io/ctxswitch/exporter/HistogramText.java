package io.ctxswitch.exporter;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import io.prometheus.metrics.model.snapshots.SnapshotEscaper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes {@code ctxswitch_latency_seconds} in the Prometheus text format (0.0.4) or OpenMetrics text
 * (1.0.0): the same bytes as the Prometheus client's {@code PrometheusTextFormatWriter} and {@code
 * OpenMetricsTextFormatWriter} write for the same histogram (pinned by {@code HistogramTextTest}),
 * at a fraction of their cost.
 *
 * <p>Why not the library (1.10.0): a scrape of 256 CPUs under {@code --per-cpu} is 5,400 bucket
 * lines, and its writers format each one from scratch: {@code Double.toString} of the same 21
 * {@code le} bounds again for every CPU, the name and labels checked and escaped again on every line,
 * every character through a {@code Writer} and its UTF-8 encoder. That was two thirds of a text
 * scrape's CPU, and with gzip put the scrape over its 5 ms (README, "Cost of a scrape"). Here a
 * series' name-and-labels prefix is made once per series, the {@code le} bounds once per process,
 * and each line is copied bytes and one number.
 *
 * <p>What the library writes and this mirrors, for each series: the cumulative count per classic
 * bucket ({@code _bucket}, labels then {@code le}), then {@code _count} and {@code _sum}
 * ({@code Double.toString} of the sum); before them the family's metadata ({@code # HELP} and
 * {@code # TYPE} in the Prometheus format; {@code # TYPE}, {@code # UNIT} and {@code # HELP} in
 * OpenMetrics). Label values are escaped as the library escapes them (backslash, double quote,
 * newline: a cgroup's path may hold any of them); names are escaped by the library's {@code SnapshotEscaper} for
 * the scrape's scheme, and are legacy-valid under every scheme, so never quoted. The collector
 * makes no exemplars, created or scrape timestamps, and no gauge histograms, so neither does this.
 */
final class HistogramText {
    /** One {@code le="..."} per classic bound, as the library formats it ({@code Double.toString}, {@code +Inf}). */
    private final double[] bounds;
    private final byte[][] leLabels;
    private byte[] buffer = new byte[1 << 16];
    private int size;

    HistogramText(double[] classicBounds) {
        this.bounds = classicBounds.clone();
        this.leLabels = new byte[bounds.length][];
        for (int i = 0; i < bounds.length; i++) {
            leLabels[i] = ("le=\"" + number(bounds[i]) + "\"} ").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Writes the family {@code histogram} (no data point: nothing, as the library does). */
    void write(OutputStream out, HistogramSnapshot unescaped, boolean openMetrics, EscapingScheme scheme) throws IOException {
        // as the library's writers do: names escaped for the scheme first (a copy only where a name changes)
        HistogramSnapshot histogram = (HistogramSnapshot) SnapshotEscaper.escapeMetricSnapshot(unescaped, scheme);
        if (histogram.getDataPoints().isEmpty()) {
            return;
        }
        size = 0;
        MetricMetadata metadata = histogram.getMetadata();
        String name = legacy(SnapshotEscaper.getMetadataName(metadata, scheme));
        metadata(name, metadata, openMetrics);
        byte[] bucketName = (name + "_bucket").getBytes(StandardCharsets.UTF_8);
        byte[] countName = (name + "_count").getBytes(StandardCharsets.UTF_8);
        byte[] sumName = (name + "_sum").getBytes(StandardCharsets.UTF_8);
        for (HistogramDataPointSnapshot point : histogram.getDataPoints()) {
            series(point, bucketName, countName, sumName, scheme);
            if (size > buffer.length / 2) { // a long family goes out a part at a time: the buffer stays small
                out.write(buffer, 0, size);
                size = 0;
            }
        }
        out.write(buffer, 0, size);
    }

    private void metadata(String name, MetricMetadata metadata, boolean openMetrics) {
        String help = metadata.getHelp();
        boolean hasHelp = help != null && !help.isEmpty();
        if (openMetrics) {
            ascii("# TYPE " + name + " histogram\n");
            if (metadata.getUnit() != null) {
                ascii("# UNIT " + name + " ");
                escaped(metadata.getUnit().toString());
                ascii("\n");
            }
            if (hasHelp) {
                ascii("# HELP " + name + " ");
                escaped(help);
                ascii("\n");
            }
        } else {
            if (hasHelp) {
                ascii("# HELP " + name + " ");
                utf8(help.replace("\\", "\\\\").replace("\n", "\\n")); // the Prometheus format's HELP escapes no quote
                ascii("\n");
            }
            ascii("# TYPE " + name + " histogram\n");
        }
    }

    private void series(HistogramDataPointSnapshot point, byte[] bucketName, byte[] countName, byte[] sumName, EscapingScheme scheme) {
        Labels labels = point.getLabels();
        byte[] labelsOpen = labelsOpen(labels, scheme); // {a="x",b="y",   or {   without labels
        ClassicHistogramBuckets buckets = point.getClassicBuckets();
        if (buckets.isEmpty()) {
            throw new IllegalStateException("every series of the collector has classic buckets");
        }
        long cumulative = 0;
        for (int i = 0; i < buckets.size(); i++) {
            cumulative += buckets.getCount(i);
            bytes(bucketName);
            bytes(labelsOpen);
            bytes(le(buckets.getUpperBound(i), i));
            number(cumulative);
            put((byte) '\n');
        }
        byte[] labelsOnly = labels.isEmpty() ? new byte[] {' '} : closed(labelsOpen);
        if (point.hasCount()) {
            bytes(countName);
            bytes(labelsOnly);
            number(point.getCount());
            put((byte) '\n');
        }
        if (point.hasSum()) {
            bytes(sumName);
            bytes(labelsOnly);
            ascii(number(point.getSum()));
            put((byte) '\n');
        }
    }

    /** The {@code le} label of bucket {@code i}: made once, unless the series' bounds are not the collector's. */
    private byte[] le(double bound, int i) {
        if (i < bounds.length && bounds[i] == bound) {
            return leLabels[i];
        }
        return ("le=\"" + number(bound) + "\"} ").getBytes(StandardCharsets.UTF_8);
    }

    private byte[] labelsOpen(Labels labels, EscapingScheme scheme) {
        int mark = size;
        put((byte) '{');
        for (int i = 0; i < labels.size(); i++) {
            ascii(legacy(SnapshotEscaper.getSnapshotLabelName(labels, i, scheme)));
            ascii("=\"");
            escaped(labels.getValue(i));
            ascii("\",");
        }
        byte[] open = Arrays.copyOfRange(buffer, mark, size);
        size = mark;
        return open;
    }

    /** {@code {a="x",b="y",} as {@code {a="x",b="y"} }: the labels without {@code le}. */
    private static byte[] closed(byte[] labelsOpen) {
        byte[] closed = Arrays.copyOf(labelsOpen, labelsOpen.length + 1);
        closed[labelsOpen.length - 1] = '}';
        closed[labelsOpen.length] = ' ';
        return closed;
    }

    /**
     * {@code name} (a metric's or a label's, escaped by the scheme), which the library writes as it is when it is
     * legacy-valid and quoted otherwise: the collector's names all are, and every scheme keeps them so.
     */
    private static String legacy(String name) {
        if (!PrometheusNaming.isValidLegacyMetricName(name)) {
            throw new IllegalStateException("not a legacy-valid name, which the library would quote: " + name);
        }
        return name;
    }

    /** As the library writes a double: {@code +Inf}, {@code -Inf}, else {@code Double.toString}. */
    private static String number(double d) {
        if (d == Double.POSITIVE_INFINITY) {
            return "+Inf";
        }
        if (d == Double.NEGATIVE_INFINITY) {
            return "-Inf";
        }
        return Double.toString(d);
    }

    /** A label value or OpenMetrics text: backslash, double quote and newline escaped, as the library does. */
    private void escaped(String s) {
        utf8(s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"));
    }

    /** A count in decimal, written in place (a scrape has thousands: no String each). */
    private void number(long value) {
        if (value < 0) { // never a count; written as the library would all the same
            ascii(Long.toString(value));
            return;
        }
        ensure(20);
        int first = size;
        do {
            buffer[size++] = (byte) ('0' + value % 10);
            value /= 10;
        } while (value > 0);
        for (int i = first, j = size - 1; i < j; i++, j--) {
            byte digit = buffer[i];
            buffer[i] = buffer[j];
            buffer[j] = digit;
        }
    }

    private void ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) { // not ASCII after all (a label name can only be, but be safe): encode the rest as UTF-8
                utf8(s.substring(i));
                return;
            }
            buffer[size++] = (byte) c;
        }
    }

    private void utf8(String s) {
        bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private void bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buffer, size, b.length);
        size += b.length;
    }

    private void put(byte b) {
        ensure(1);
        buffer[size++] = b;
    }

    private void ensure(int more) {
        if (size + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
        }
    }
}
