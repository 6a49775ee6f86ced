package io.ctxswitch.exporter;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.httpserver.HttpExchangeAdapter;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.expositionformats.PrometheusProtobufWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Enumeration;
import java.util.zip.GZIPOutputStream;

/**
 * {@code /metrics}: the Prometheus client's handler ({@link MetricsHandler}: content negotiation,
 * text and OpenMetrics, its {@code debug} and {@code name[]} queries), except for a plain protobuf
 * scrape (what a Prometheus with native histograms sends: no query, an Accept header for which the
 * library would choose its protobuf writer), which {@link LatencyCollector#writeProtobuf} writes, the
 * same bytes at a fraction of the cost. That answer is made as the library's handler makes it:
 * its content type, gzip when the scraper accepts it (as the library decides), else a
 * Content-Length; a failed reading is the library's 500.
 */
final class ScrapeHandler implements HttpHandler {
    private static final PrometheusProperties PROPERTIES = PrometheusProperties.get();
    private static final ExpositionFormats FORMATS = ExpositionFormats.init(PROPERTIES);

    private final MetricsHandler library;
    private final LatencyCollector collector;

    ScrapeHandler(PrometheusRegistry registry, LatencyCollector collector) {
        this.library = new MetricsHandler(PROPERTIES, registry);
        this.collector = collector;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        HttpExchangeAdapter adapter = new HttpExchangeAdapter(exchange);
        PrometheusHttpRequest request = adapter.getRequest();
        String accept = request.getHeader("Accept");
        ExpositionFormatWriter writer = FORMATS.findWriter(accept);
        if (request.getQueryString() != null || !(writer instanceof PrometheusProtobufWriter)) {
            library.handle(exchange);
            return;
        }
        try {
            EscapingScheme scheme = EscapingScheme.fromAcceptHeader(accept);
            PrometheusHttpResponse response = adapter.getResponse();
            response.setHeader("Content-Type", writer.getContentType());
            if (gzip(request)) {
                response.setHeader("Content-Encoding", "gzip");
                try (GZIPOutputStream body = new GZIPOutputStream(response.sendHeadersAndGetBody(200, 0))) {
                    collector.writeProtobuf(body, scheme);
                }
            } else {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 16);
                collector.writeProtobuf(buffer, scheme);
                response.setHeader("Content-Length", Integer.toString(buffer.size()));
                if ("HEAD".equals(request.getMethod())) {
                    response.sendHeadersAndGetBody(200, -1);
                } else {
                    try (OutputStream body = response.sendHeadersAndGetBody(200, buffer.size())) {
                        buffer.writeTo(body);
                    }
                }
            }
        } catch (IOException e) {
            adapter.handleException(e);
        } catch (RuntimeException e) {
            adapter.handleException(e);
        } finally {
            adapter.close();
        }
    }

    /** As the library's handler decides: unless told to prefer uncompressed answers, when an Accept-Encoding names gzip. */
    private static boolean gzip(PrometheusHttpRequest request) {
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
}
