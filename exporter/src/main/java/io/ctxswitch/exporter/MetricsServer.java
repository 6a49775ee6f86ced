package io.ctxswitch.exporter;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import io.ctxswitch.core.spi.SourceException;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP side of {@code --serve}: the JDK's HTTP server, bound when created (so that a port in use
 * is said before anything is loaded into the kernel), answering only {@code GET}/{@code HEAD} of
 * {@code /metrics} ({@link ScrapeHandler}: text, OpenMetrics or protobuf as the scraper asks, from
 * the one {@link LatencyCollector} it serves) and of {@code /} (a page naming the endpoint); other
 * paths get 404, other methods 405.
 *
 * <p>Bounded against hostile clients. The JDK server reads a request's line and headers on its
 * executor's threads, so a client that trickles them in holds a thread: the executor therefore has a
 * thread for every connection the server accepts (at most {@link #MAX_CONNECTIONS}, made when needed,
 * with small stacks), so that a scrape never waits behind a slow client; and the JDK server's limits,
 * set here unless the user set them, close a request whose headers take longer than
 * {@code maxReqTime}, refuse more than {@code maxReqHeaders} headers or {@code maxReqHeaderSize}
 * bytes of them, and close idle connections after {@code idleInterval}. Past
 * {@link #MAX_CONNECTIONS} open connections, new ones are closed at once.
 *
 * <p>With a {@link ServeSecurity} ({@code --serve-config}), it speaks TLS ({@link TlsFiles}) and/or
 * asks for basic auth ({@link BcryptAuthenticator}) on every path; the limits above hold the same (the
 * JDK server reads a TLS handshake under the same timers as the request it carries).
 */
public final class MetricsServer implements AutoCloseable {
    static final int MAX_CONNECTIONS = 256;
    /** Enough for a scrape's collect and writing; the JDK's default (1 MiB) times 256 is not. */
    private static final long THREAD_STACK_BYTES = 512 * 1024;
    /** The JDK 17 server's settings, read once when its first server is created. */
    static final String[][] JDK_LIMITS = {
        {"sun.net.httpserver.maxReqTime", "2"},           // s to receive a request's line and headers
        {"sun.net.httpserver.maxRspTime", "10"},          // s to send a response
        {"sun.net.httpserver.maxReqHeaders", "64"},       // headers per request
        {"sun.net.httpserver.maxReqHeaderSize", "16384"}, // bytes of headers per request
        {"sun.net.httpserver.idleInterval", "10"},        // s an idle keep-alive connection is kept
        {"sun.net.httpserver.maxIdleConnections", "16"},
        {"jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS)},
        {"sun.net.httpserver.timerMillis", "250"},        // ms between checks of those times
    };

    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final boolean tls;
    private final ServeSecurity security;

    private MetricsServer(HttpServer server, ThreadPoolExecutor pool, ServeSecurity security) {
        this.server = server;
        this.pool = pool;
        this.security = security;
        this.tls = security.tls() != null;
    }

    /** Binds {@code address} now, for plain HTTP without authentication; nothing is answered until {@link #start}. */
    public static MetricsServer bind(ServeAddress address) throws SourceException {
        return bind(address, ServeSecurity.NONE);
    }

    /** Binds {@code address} now, with TLS and/or basic auth as {@code security} says; nothing is answered until {@link #start}. */
    public static MetricsServer bind(ServeAddress address, ServeSecurity security) throws SourceException {
        for (String[] limit : JDK_LIMITS) {
            if (System.getProperty(limit[0]) == null) {
                System.setProperty(limit[0], limit[1]);
            }
        }
        InetSocketAddress socket = new InetSocketAddress(address.host(), address.port());
        if (socket.isUnresolved()) {
            throw new SourceException(SourceException.Kind.ENVIRONMENT, "cannot serve on " + address + ": unknown host " + address.host());
        }
        HttpServer server;
        try {
            if (security.tls() != null) {
                HttpsServer https = HttpsServer.create(socket, 64);
                https.setHttpsConfigurator(security.tls());
                server = https;
            } else {
                server = HttpServer.create(socket, 64);
            }
        } catch (BindException e) {
            boolean inUse = String.valueOf(e.getMessage()).contains("in use");
            throw new SourceException(SourceException.Kind.ENVIRONMENT, "cannot serve on " + address + ": " + e.getMessage()
                    + (inUse ? " (choose another port with --serve=[HOST:]PORT)" : " (not an address of this host?)"));
        } catch (IOException e) {
            throw new SourceException(SourceException.Kind.ENVIRONMENT, "cannot serve on " + address + ": " + e.getMessage());
        }
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, MAX_CONNECTIONS, 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(null, r, "ctxswitch-http", THREAD_STACK_BYTES);
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.DiscardPolicy());
        server.setExecutor(pool);
        return new MetricsServer(server, pool, security);
    }

    /** "https" or "http". */
    public String scheme() {
        return tls ? "https" : "http";
    }

    /** The address bound (the port chosen when 0 was asked). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Starts answering, with {@code collector}'s metrics (its own registry: nothing else is served). */
    public void start(LatencyCollector collector) {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(collector);
        com.sun.net.httpserver.HttpContext context = server.createContext("/", new Router(new ScrapeHandler(registry, collector)));
        if (security.authenticator() != null) {
            context.setAuthenticator(security.authenticator());
        }
        server.start();
    }

    /** Stops answering; a scrape in progress may finish within a second. */
    @Override
    public void close() {
        server.stop(1);
        pool.shutdownNow();
    }

    /** Only GET and HEAD of / and /metrics. */
    static final class Router implements HttpHandler {
        private final HttpHandler metrics;
        private final byte[] page;

        Router(HttpHandler metrics) {
            this.metrics = metrics;
            this.page = ("<html><head><title>ctxswitch</title></head><body><h1>ctxswitch</h1>"
                    + "<p>Context-switch latency metrics are at <a href=\"/metrics\">/metrics</a>.</p></body></html>\n")
                    .getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                String method = exchange.getRequestMethod();
                boolean known = "/metrics".equals(path) || "/".equals(path);
                if (!known) {
                    reply(exchange, 404, "not found: only /metrics is served\n", method);
                } else if (!"GET".equals(method) && !"HEAD".equals(method)) {
                    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                    reply(exchange, 405, "method not allowed: only GET and HEAD\n", method);
                } else if ("/metrics".equals(path)) {
                    metrics.handle(exchange);
                } else {
                    exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
                    send(exchange, 200, page, method);
                }
            }
        }

        private static void reply(HttpExchange exchange, int status, String text, String method) throws IOException {
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            send(exchange, status, text.getBytes(StandardCharsets.UTF_8), method);
        }

        private static void send(HttpExchange exchange, int status, byte[] body, String method) throws IOException {
            exchange.getRequestBody().close();
            if ("HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
