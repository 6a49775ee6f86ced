package io.ctxswitch.exporter;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.httpserver.HttpExchangeAdapter;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * {@code /metrics}: a plain scrape (no query: what Prometheus sends) is answered by {@link
 * ScrapeWriter} (the library's content negotiation and text writers, ctxswitch's protobuf writer,
 * gzip at its fastest level), anything else by the Prometheus client's handler ({@link
 * MetricsHandler}: its {@code debug} and {@code name[]} queries). The answer is made as the
 * library's handler makes it: its content type, gzip when the scraper accepts it (as the library
 * decides), else a Content-Length; a failed reading is the library's 500.
 */
final class ScrapeHandler implements HttpHandler {
    private final MetricsHandler library;
    private final ScrapeWriter writer;

    ScrapeHandler(PrometheusRegistry registry, LatencyCollector collector) {
        this.library = new MetricsHandler(PrometheusProperties.get(), registry);
        this.writer = new ScrapeWriter(collector);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        HttpExchangeAdapter adapter = new HttpExchangeAdapter(exchange);
        PrometheusHttpRequest request = adapter.getRequest();
        if (!writer.answers(request)) {
            library.handle(exchange);
            return;
        }
        try {
            PrometheusHttpResponse response = adapter.getResponse();
            response.setHeader("Content-Type", writer.format(request).getContentType());
            if (ScrapeWriter.gzip(request)) {
                response.setHeader("Content-Encoding", "gzip");
                try (OutputStream body = ScrapeWriter.gzipped(response.sendHeadersAndGetBody(200, 0))) {
                    writer.write(body, request);
                }
            } else {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 16);
                writer.write(buffer, request);
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
}
