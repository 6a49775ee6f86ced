package io.ctxswitch.exporter;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.config.ExporterFilterProperties;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.expositionformats.OpenMetrics2TextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusProtobufWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Enumeration;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The body of a plain scrape (no query: what Prometheus sends), as {@link ScrapeHandler} answers it:
 * the format that the library chooses from the Accept header, written by {@link LatencyCollector#writeText}
 * (text, OpenMetrics) or {@link LatencyCollector#writeProtobuf} (protobuf): the bytes the library's writer
 * writes for the collector, the latency histogram written by ctxswitch's own writers ({@link HistogramText},
 * {@link HistogramProtobuf}) at a fraction of the cost; gzip when the scraper accepts it, as the library decides, but at {@link
 * Deflater#BEST_SPEED}: at the library's default level, compressing a text scrape of 256 CPUs
 * (380 KB) took 2.2-3.7 ms, nearly as long as writing it, and level 1 takes 1.1-1.4 ms for an
 * answer a fifth larger (README, "Cost of a scrape"). Everything else (a {@code debug} or {@code name[]} query, the OpenMetrics 2 format,
 * a metric name filter set in the library's properties) is left to the library's handler.
 */
public final class ScrapeWriter {
    private static final PrometheusProperties PROPERTIES = PrometheusProperties.get();
    private static final ExpositionFormats FORMATS = ExpositionFormats.init(PROPERTIES);

    private final LatencyCollector collector;

    public ScrapeWriter(LatencyCollector collector) {
        this.collector = collector;
    }

    /** Whether this writer answers {@code request}; if not, the library's handler does. */
    public boolean answers(PrometheusHttpRequest request) {
        return request.getQueryString() == null && !(format(request) instanceof OpenMetrics2TextFormatWriter) && noNameFilter();
    }

    private static boolean noNameFilter() {
        ExporterFilterProperties filter = PROPERTIES.getExporterFilterProperties();
        return filter.getAllowedMetricNames() == null && filter.getExcludedMetricNames() == null
                && filter.getAllowedMetricNamePrefixes() == null && filter.getExcludedMetricNamePrefixes() == null;
    }

    /** The format for the request's Accept header, as the library chooses it. */
    public ExpositionFormatWriter format(PrometheusHttpRequest request) {
        return FORMATS.findWriter(request.getHeader("Accept"));
    }

    /** Writes the answer to a request that this writer {@link #answers}, uncompressed. */
    public void write(OutputStream out, PrometheusHttpRequest request) throws IOException {
        String accept = request.getHeader("Accept");
        ExpositionFormatWriter writer = FORMATS.findWriter(accept);
        EscapingScheme scheme = EscapingScheme.fromAcceptHeader(accept);
        if (writer instanceof PrometheusProtobufWriter) {
            collector.writeProtobuf(out, scheme);
        } else {
            collector.writeText(out, writer, scheme);
        }
    }

    /** As the library's handler decides: unless told to prefer uncompressed answers, when an Accept-Encoding names gzip. */
    public static boolean gzip(PrometheusHttpRequest request) {
        if (PROPERTIES.getExporterHttpServerProperties().isPreferUncompressedResponse()) {
            return false;
        }
        Enumeration<String> headers = request.getHeaders("Accept-Encoding");
        while (headers != null && headers.hasMoreElements()) {
            for (String encoding : headers.nextElement().split(",")) {
                if (encoding.trim().equalsIgnoreCase("gzip")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code out} through gzip at {@link Deflater#BEST_SPEED}; closing it finishes the gzip stream and closes {@code out}. */
    public static GZIPOutputStream gzipped(OutputStream out) throws IOException {
        return new GZIPOutputStream(out, 8192) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        };
    }
}
