package io.ctxswitch.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LogLinearBuckets;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusProtobufWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP side on loopback: what is answered, and that hostile clients do not stall scrapes. {@link
 * TlsMetricsServerTest} runs the same over TLS with basic auth, through the hooks at the top.
 */
@Timeout(60)
class MetricsServerTest {
    protected MetricsServer server;
    protected int port;
    private LatencyCollector collector;

    /** What guards the server under test. */
    protected ServeSecurity security() throws Exception {
        return ServeSecurity.NONE;
    }

    /** A well-behaved client's request, before it is sent. */
    protected HttpURLConnection open(String path) throws IOException {
        return (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
    }

    /** A connection on which a hostile client writes what it likes (over TLS, inside it). */
    protected Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        return s;
    }

    @BeforeEach
    void serve() throws Exception {
        long[] buckets = new long[LogLinearBuckets.COUNT];
        buckets[LogLinearBuckets.bucketOf(1000)] = 3;
        CumulativeFigures figures = new CumulativeFigures(List.of(new CumulativeFigures.Cpu(0, 3, 3000, buckets)), 0, 0, 0);
        server = MetricsServer.bind(new ServeAddress("127.0.0.1", 0), security());
        collector = new LatencyCollector(() -> figures, false, new ExporterInfo("t", "test", "none", "k"));
        server.start(collector);
        port = server.address().getPort();
        // Unmeasured: the JVM's first TLS handshake and first scrape load and compile much; what the
        // tests measure is what hostile clients cost a scrape, not a cold start.
        HttpURLConnection warm = request("GET", "/metrics", null);
        assertThat(warm.getResponseCode()).isEqualTo(200);
        body(warm);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    protected HttpURLConnection request(String method, String path, String accept) throws IOException {
        HttpURLConnection c = open(path);
        c.setRequestMethod(method);
        c.setConnectTimeout(2000);
        c.setReadTimeout(2000);
        if (accept != null) {
            c.setRequestProperty("Accept", accept);
        }
        return c;
    }

    protected static String body(HttpURLConnection c) throws IOException {
        InputStream in = c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream();
        return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** A well-behaved scrape: answers 200 with the histogram; returns how long it took, in ms. */
    protected long scrape() throws IOException {
        long start = System.nanoTime();
        HttpURLConnection c = request("GET", "/metrics", null);
        assertThat(c.getResponseCode()).isEqualTo(200);
        assertThat(body(c)).contains("ctxswitch_latency_seconds_count 3");
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    void onlyGetAndHeadOfMetricsAndTheRootPageAreServed() throws Exception {
        assertThat(scrape()).isLessThan(1000);
        HttpURLConnection head = request("HEAD", "/metrics", null);
        assertThat(head.getResponseCode()).isEqualTo(200);
        HttpURLConnection root = request("GET", "/", null);
        assertThat(root.getResponseCode()).isEqualTo(200);
        assertThat(body(root)).contains("href=\"/metrics\"");
        for (String path : new String[] {"/x", "/metrics/", "/metricsx", "/-/healthy", "/../etc/passwd"}) {
            HttpURLConnection c = request("GET", path, null);
            assertThat(c.getResponseCode()).as(path).isEqualTo(404);
        }
        for (String method : new String[] {"POST", "PUT", "DELETE", "OPTIONS", "TRACE"}) {
            HttpURLConnection c = request(method, "/metrics", null);
            assertThat(c.getResponseCode()).as(method).isEqualTo(405);
            assertThat(c.getHeaderField("Allow")).isEqualTo("GET, HEAD");
        }
    }

    @Test
    void theScraperChoosesTheFormat() throws Exception {
        HttpURLConnection text = request("GET", "/metrics", "text/plain;version=0.0.4");
        assertThat(text.getHeaderField("Content-Type")).startsWith("text/plain");
        HttpURLConnection om = request("GET", "/metrics", "application/openmetrics-text;version=1.0.0");
        assertThat(om.getHeaderField("Content-Type")).startsWith("application/openmetrics-text");
        assertThat(body(om)).endsWith("# EOF\n");
        HttpURLConnection pb = request("GET", "/metrics",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited");
        assertThat(pb.getHeaderField("Content-Type")).startsWith("application/vnd.google.protobuf");
        assertThat(pb.getInputStream().readAllBytes()).isNotEmpty();
    }

    /**
     * A protobuf scrape is answered by the collector's own protobuf path: the bytes the library's
     * writer makes of the same figures, with the library's content type, gzipped when asked as the
     * library's handler does, and HEAD with its length. A query (debug, name[]) is the library's.
     */
    @Test
    void aProtobufScrapeIsTheLibrarysExposition() throws Exception {
        String accept = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        new PrometheusProtobufWriter().write(expected, collector.collect(), EscapingScheme.fromAcceptHeader(accept));

        HttpURLConnection plain = request("GET", "/metrics", accept);
        assertThat(plain.getHeaderField("Content-Type")).isEqualTo(PrometheusProtobufWriter.CONTENT_TYPE);
        assertThat(plain.getHeaderField("Content-Length")).isEqualTo(Integer.toString(expected.size()));
        assertThat(plain.getInputStream().readAllBytes()).isEqualTo(expected.toByteArray());

        HttpURLConnection gzip = open("/metrics");
        gzip.setRequestProperty("Accept", accept);
        gzip.setRequestProperty("Accept-Encoding", "deflate, gzip");
        assertThat(gzip.getHeaderField("Content-Encoding")).isEqualTo("gzip");
        try (InputStream in = new GZIPInputStream(gzip.getInputStream())) {
            assertThat(in.readAllBytes()).isEqualTo(expected.toByteArray());
        }

        HttpURLConnection head = request("HEAD", "/metrics", accept);
        assertThat(head.getResponseCode()).isEqualTo(200);
        assertThat(head.getHeaderField("Content-Length")).isEqualTo(Integer.toString(expected.size()));

        HttpURLConnection debug = request("GET", "/metrics?debug=prometheus-protobuf", accept);
        assertThat(debug.getHeaderField("Content-Type")).startsWith("text/plain");
        assertThat(body(debug)).contains("name: \"ctxswitch_latency_seconds\"").contains("schema: 7");
    }

    @Test
    void garbageRequestsAreRefusedAndScrapesGoOn() throws Exception {
        for (String garbage : new String[] {"\u0000\u0001\u0002\r\n\r\n", "GET\r\n\r\n", "HELLO / HTTP/9.9\r\n\r\n",
                "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"}) {
            try (Socket s = connect()) {
                s.setSoTimeout(3000);
                s.getOutputStream().write(garbage.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                s.getInputStream().read(new byte[4096]); // an error status, or the connection closed
            } catch (IOException closed) {
                // closed by the server: as good as an error status
            }
            assertThat(scrape()).as(garbage).isLessThan(1000);
        }
    }

    @Test
    void aHugeHeaderIsRefusedWithoutBeingKept() throws Exception {
        try (Socket s = connect()) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ".getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'a');
            long sent = 0;
            try {
                for (int i = 0; i < 256; i++) { // up to 16 MiB, unless the server closes first
                    out.write(chunk);
                    sent += chunk.length;
                }
                out.write("\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                String reply = new String(s.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
                assertThat(reply).as("after %d bytes of header", sent).doesNotStartWith("HTTP/1.1 200");
            } catch (IOException closed) {
                assertThat(sent).as("closed after %d bytes of header", sent).isLessThan(16L << 20);
            }
        }
        assertThat(scrape()).isLessThan(1000);
    }

    @Test
    void aClientSendingOneByteASecondDoesNotStallScrapes() throws Exception {
        ExecutorService slow = Executors.newSingleThreadExecutor();
        try (Socket s = connect()) {
            Future<?> trickle = slow.submit(() -> {
                byte[] request = "GET /metrics HTTP/1.1\r\nHost: slow\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
                try {
                    for (byte b : request) { // 36 s at full length: the server must cut it off long before
                        s.getOutputStream().write(b);
                        s.getOutputStream().flush();
                        Thread.sleep(1000);
                    }
                } catch (IOException | InterruptedException e) {
                    return e.getClass().getSimpleName();
                }
                return "sent whole";
            });
            for (int i = 0; i < 5; i++) { // scrapes while the slow client trickles: each under a second
                Thread.sleep(500);
                assertThat(scrape()).isLessThan(1000);
            }
            // The server closes a request whose headers take longer than maxReqTime (2 s).
            s.setSoTimeout(10_000);
            assertThat(s.getInputStream().read()).as("the server closed the slow connection").isEqualTo(-1);
            trickle.cancel(true);
        } finally {
            slow.shutdownNow();
        }
    }

    @Test
    void twoHundredOpenConnectionsDoNotStallScrapes() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Socket s = connect();
                if (i % 2 == 0) { // half of them start a request and never finish it
                    s.getOutputStream().write("GET /metrics HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
                idle.add(s);
            }
            for (int i = 0; i < 5; i++) {
                assertThat(scrape()).as("scrape %d with 200 connections open", i).isLessThan(1000);
            }
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
        assertThat(scrape()).isLessThan(1000);
    }
}
