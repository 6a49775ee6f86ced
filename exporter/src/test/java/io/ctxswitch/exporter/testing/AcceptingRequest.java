package io.ctxswitch.exporter.testing;

import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * A scrape request as the HTTP handler passes it to the collector and the writers: GET /metrics
 * without a query, with an Accept header (none if null) and an Accept-Encoding header (none if null).
 * The exporter's tests and ScrapeBenchmark make their scrapes with it.
 */
public final class AcceptingRequest implements PrometheusHttpRequest {
    private final String accept;
    private final String acceptEncoding;

    public AcceptingRequest(String accept, String acceptEncoding) {
        this.accept = accept;
        this.acceptEncoding = acceptEncoding;
    }

    /** A request with only an Accept header (none if null). */
    public static AcceptingRequest accepting(String accept) {
        return new AcceptingRequest(accept, null);
    }

    @Override
    public String getQueryString() {
        return null;
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
        String value = "Accept".equalsIgnoreCase(name) ? accept : "Accept-Encoding".equalsIgnoreCase(name) ? acceptEncoding : null;
        return Collections.enumeration(value == null ? List.<String>of() : List.of(value));
    }

    @Override
    public String getMethod() {
        return "GET";
    }

    @Override
    public String getRequestPath() {
        return "/metrics";
    }
}
