package io.ctxswitch.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * Every test of {@link MetricsServerTest}, hostile clients included, over TLS with basic auth as
 * {@code --serve-config} sets them up (a keytool certificate, a bcrypt hash of cost 10, as htpasswd
 * makes by default); and what TLS and auth add: 401 without the right credentials, plain HTTP and
 * untrusting clients refused, curl as a real client, silent TCP clients and a flood of guesses
 * that do not stall scrapes.
 */
class TlsMetricsServerTest extends MetricsServerTest {
    static final String USER = "prometheus";
    static final String PASSWORD = "s3cret pass";

    @TempDir
    static Path dir;
    static TestCertificate certificate;
    static Path config;
    static SSLContext client;

    @BeforeAll
    static void makeFiles() throws Exception {
        certificate = TestCertificate.make(dir, "server", "EC");
        config = dir.resolve("web.yml");
        Files.writeString(config, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                + "basic_auth_users:\n  " + USER + ": " + BCrypt.hashpw(PASSWORD, BCrypt.gensalt(10)) + "\n"
                + "  other: " + BCrypt.hashpw("other password", BCrypt.gensalt(10)) + "\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));
        client = certificate.trustingIt();
    }

    @Override
    protected ServeSecurity security() throws Exception {
        return ServeSecurity.load(config);
    }

    @Override
    protected HttpURLConnection open(String path) throws IOException {
        HttpURLConnection c = withoutCredentials(path);
        c.setRequestProperty("Authorization", basic(USER, PASSWORD));
        return c;
    }

    private HttpsURLConnection withoutCredentials(String path) throws IOException {
        HttpsURLConnection c = (HttpsURLConnection) new URL("https://127.0.0.1:" + port + path).openConnection();
        c.setSSLSocketFactory(client.getSocketFactory());
        c.setConnectTimeout(2000);
        c.setReadTimeout(2000);
        return c;
    }

    @Override
    protected Socket connect() throws IOException {
        Socket s = client.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(5000);
        ((javax.net.ssl.SSLSocket) s).startHandshake();
        return s;
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theServerSaysItIsHttps() {
        assertThat(server.scheme()).isEqualTo("https");
    }

    @Test
    void onlyTheRightCredentialsAreLetIn() throws Exception {
        for (String path : new String[] {"/metrics", "/", "/nothing"}) {
            HttpURLConnection none = withoutCredentials(path);
            assertThat(none.getResponseCode()).as(path).isEqualTo(401);
            assertThat(none.getHeaderField("WWW-Authenticate")).as(path).startsWith("Basic realm=\"ctxswitch\"");
            assertThat(body(none)).doesNotContain("ctxswitch_latency");
        }
        String[][] wrong = {{USER, "wrong"}, {USER, ""}, {USER, PASSWORD + " "}, {"nobody", PASSWORD},
            {"other", PASSWORD}, {"", ""}, {USER.toUpperCase(), PASSWORD}, {USER, "x".repeat(100)}};
        for (String[] credentials : wrong) {
            HttpURLConnection c = withoutCredentials("/metrics");
            c.setRequestProperty("Authorization", basic(credentials[0], credentials[1]));
            assertThat(c.getResponseCode()).as(String.join(":", credentials)).isEqualTo(401);
        }
        String noColon = "Basic " + Base64.getEncoder().encodeToString(USER.getBytes(StandardCharsets.UTF_8));
        for (String header : new String[] {"Basic !!!not base64", noColon, "Bearer abc", "Basic", "Basic "}) {
            HttpURLConnection garbled = withoutCredentials("/metrics");
            garbled.setRequestProperty("Authorization", header);
            assertThat(garbled.getResponseCode()).as(header).isEqualTo(401);
        }
        HttpURLConnection other = withoutCredentials("/metrics");
        other.setRequestProperty("Authorization", basic("other", "other password"));
        assertThat(other.getResponseCode()).isEqualTo(200);
        assertThat(scrape()).isLessThan(1000);
        assertThat(scrape()).as("a second scrape, its password remembered").isLessThan(1000);
    }

    @Test
    void plainHttpAgainstTheTlsPortGetsNoMetrics() throws Exception {
        HttpURLConnection plain = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/metrics").openConnection();
        plain.setRequestProperty("Authorization", basic(USER, PASSWORD));
        plain.setConnectTimeout(2000);
        plain.setReadTimeout(5000);
        assertThatThrownBy(plain::getResponseCode).isInstanceOf(IOException.class);
        assertThat(scrape()).isLessThan(1000);
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsRefused() throws Exception {
        HttpsURLConnection c = (HttpsURLConnection) new URL("https://127.0.0.1:" + port + "/metrics").openConnection();
        c.setSSLSocketFactory(SSLContext.getDefault().getSocketFactory()); // the JDK's CAs only
        c.setConnectTimeout(2000);
        c.setReadTimeout(2000);
        assertThatThrownBy(c::getResponseCode).isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }

    @Test
    void curlScrapesWithTheRightCredentialsOnly() throws Exception {
        io.ctxswitch.core.testing.LiveTestSkip.unless(Files.isExecutable(Path.of("/usr/bin/curl")), "curl (apt-get install curl)");
        String url = "https://127.0.0.1:" + port + "/metrics";
        String good = curl("--cacert", certificate.certFile().toString(), "-u", USER + ":" + PASSWORD, url);
        assertThat(good).startsWith("200\n").contains("ctxswitch_latency_seconds_count 3");
        assertThat(curl("--cacert", certificate.certFile().toString(), url)).startsWith("401\n");
        assertThat(curl("--cacert", certificate.certFile().toString(), "-u", USER + ":nope", url)).startsWith("401\n");
        assertThat(curl("-u", USER + ":" + PASSWORD, url)).as("without our CA curl refuses the certificate").startsWith("000\n");
        assertThat(curl("-u", USER + ":" + PASSWORD, "http://127.0.0.1:" + port + "/metrics"))
                .as("plain HTTP to the TLS port").doesNotContain("ctxswitch_latency");
    }

    /** curl's status code on the first line, then the body. */
    private static String curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "--max-time", "5", "-w", "%{http_code}\n", "-o", "-"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        int cut = out.lastIndexOf('\n', out.length() - 2);
        String code = out.substring(cut + 1).trim();
        return code + "\n" + out.substring(0, cut + 1);
    }

    @Test
    void silentAndHalfHandshakeTcpClientsDoNotStallScrapes() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                if (i % 2 == 0) { // the first bytes of a TLS ClientHello, and nothing more
                    s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
                }
                idle.add(s);
            }
            for (int i = 0; i < 5; i++) {
                assertThat(scrape()).as("scrape %d with 200 unfinished handshakes", i).isLessThan(1000);
            }
            Socket silent = idle.get(1);
            silent.setSoTimeout(15_000);
            assertThat(silent.getInputStream().read()).as("the server closes a client that never speaks").isEqualTo(-1);
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    @Test
    void aFloodOfGuessesDoesNotStallScrapes() throws Exception {
        assertThat(scrape()).isLessThan(2000); // the first one pays for its bcrypt
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger guesses = new AtomicInteger();
        ExecutorService guessers = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                running.add(guessers.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        try {
                            HttpURLConnection c = withoutCredentials("/metrics");
                            c.setReadTimeout(5000);
                            c.setRequestProperty("Authorization", basic(thread % 2 == 0 ? USER : "nobody", "guess" + i));
                            if (c.getResponseCode() == 401) {
                                guesses.incrementAndGet();
                            }
                        } catch (IOException e) {
                            // a guess cut off is fine
                        }
                    }
                    return null;
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (guesses.get() < 20 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(guesses.get()).as("guesses refused before the scrapes").isGreaterThanOrEqualTo(20);
            for (int i = 0; i < 5; i++) {
                assertThat(scrape()).as("scrape %d under a flood of guesses", i).isLessThan(1000);
            }
        } finally {
            stop.set(true);
            guessers.shutdownNow();
            guessers.awaitTermination(20, TimeUnit.SECONDS);
        }
    }
}
