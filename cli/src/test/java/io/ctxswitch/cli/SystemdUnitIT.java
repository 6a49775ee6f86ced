package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * deploy/systemd's unit, run as it grants (this machine's PID 1 is not always systemd, so setpriv
 * stands in): an ordinary user (nobody, as DynamicUser's would be), exactly the unit's ambient and
 * bounding capabilities, no new privileges, its ExecStart with another port; then with the TLS
 * drop-in, its credentials handed over as LoadCredential does (the service user's own, mode 0400).
 * Each is scraped with curl and stopped with SIGTERM, as systemctl stop does. Everything is read from
 * the unit files, nothing restated.
 */
@Timeout(180)
class SystemdUnitIT {
    private static final int NOBODY = 65534;

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void needsACapableHost() throws Exception {
        LiveHost.assumeSchedTpCapable();
        for (String tool : new String[] {"setpriv", "curl", "openssl"}) {
            if (!Jar.onPath(tool)) {
                Jar.skip(tool + " is missing (apt-get install util-linux curl openssl)");
            }
        }
        Jar.assumeBuilt();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void stopAll() {
        started.forEach(Process::destroyForcibly);
    }

    /** setpriv's +name list of the unit's CAP_NAME list. */
    private static String setprivCaps(List<String> capabilities) {
        return capabilities.stream().map(c -> "+" + c.replaceFirst("^CAP_", "").toLowerCase(Locale.ROOT)).collect(Collectors.joining(","));
    }

    /** The unit's ExecStart, run as its user with its capabilities; the jar a copy nobody can read, the port free, %d the credentials. */
    private Jar.Running runAsTheUnit(SystemdUnit unit, int port, Path credentials) throws Exception {
        assertThat(unit.service("DynamicUser")).isEqualTo("yes");
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        if ("yes".equals(unit.service("NoNewPrivileges"))) {
            command.add("--no-new-privs");
        }
        String ambient = setprivCaps(unit.serviceList("AmbientCapabilities"));
        command.add("--inh-caps=" + ambient);
        command.add("--ambient-caps=" + ambient);
        command.add("--bounding-set=-all," + setprivCaps(unit.serviceList("CapabilityBoundingSet")));
        Path jar = Files.copy(Jar.JAR, dir.resolve("ctxswitch-" + port + ".jar"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        for (String word : unit.execStart()) {
            if (word.equals(unit.jar())) {
                word = jar.toString();
            } else if (word.startsWith("--serve=")) {
                word = word.substring(0, word.lastIndexOf(':') + 1) + port;
            }
            command.add(credentials == null ? word : word.replace("%d", credentials.toString()));
        }
        Jar.Running running = Jar.launch(command, false, Map.of());
        started.add(running.process);
        return running;
    }

    /** curl's HTTP status, then the body. */
    private static String[] curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        int cut = out.lastIndexOf('\n');
        return new String[] {out.substring(cut + 1), out.substring(0, cut)};
    }

    /** The unit's user and capabilities are what the running exporter really has. */
    private static void assertRunsAsTheUnitSays(Jar.Running running) throws Exception {
        String status = Files.readString(Path.of("/proc/" + running.process.pid() + "/status"));
        assertThat(status).containsPattern("(?m)^Uid:\\s+" + NOBODY + "\\s+" + NOBODY + "\\s")
                .containsPattern("(?m)^CapEff:\\s+000000c000000000$") // CAP_BPF (39) and CAP_PERFMON (38), nothing else
                .containsPattern("(?m)^CapBnd:\\s+000000c000000000$")
                .containsPattern("(?m)^NoNewPrivs:\\s+1$");
    }

    /** Scrapes until some switches were counted; returns the last exposition. */
    private static String scrapeUntilCounted(String... curlArgs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String[] reply;
        do {
            reply = curl(curlArgs);
            assertThat(reply[0]).as(reply[1]).isEqualTo("200");
            if (reply[1].lines().anyMatch(l -> l.startsWith("ctxswitch_latency_seconds_count ") && !l.endsWith(" 0"))) {
                return reply[1];
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no switch counted in 30 s: " + reply[1]);
    }

    private static void stopsOnSigterm(Jar.Running running, SystemdUnit unit) throws Exception {
        running.signal("TERM");
        int timeout = Integer.parseInt(unit.service("TimeoutStopSec").replace("s", ""));
        Jar.Run run = running.finish(timeout);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).as("the summary, for the journal").contains("switches");
    }

    @Test
    void theUnitServesAsNobodyWithItsTwoCapabilities() throws Exception {
        SystemdUnit unit = SystemdUnit.read(SystemdUnit.UNIT);
        int port = Loopback.freePort();
        Jar.Running running = runAsTheUnit(unit, port, null);
        running.awaitErr("serving http://127.0.0.1:" + port + "/metrics, tracing with libbpf", 60);
        assertRunsAsTheUnitSays(running);
        String metrics = scrapeUntilCounted("http://127.0.0.1:" + port + "/metrics");
        assertThat(metrics).contains("ctxswitch_info{backend=\"libbpf\"");
        stopsOnSigterm(running, unit);
    }

    @Test
    void withTheTlsDropInItServesHttpsToTheRightUserOnly() throws Exception {
        SystemdUnit unit = SystemdUnit.read(SystemdUnit.UNIT, SystemdUnit.TLS_DROP_IN);
        // What /etc/ctxswitch would hold, handed over as LoadCredential does: a directory and files
        // that only the service's user may read.
        Path credentials = Files.createDirectory(dir.resolve("credentials"));
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", credentials.resolve("tls.key").toString(), "-out", credentials.resolve("tls.crt").toString(),
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1").redirectErrorStream(true).start();
        String said = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0).as(said).isTrue();
        Files.writeString(credentials.resolve("web.yml"), "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n"
                + "basic_auth_users:\n  prometheus: " + BCrypt.hashpw("scrape me", BCrypt.gensalt(10)) + "\n");
        for (String credential : unit.serviceList("LoadCredential")) {
            Path file = credentials.resolve(credential.substring(0, credential.indexOf(':')));
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
            Files.setAttribute(file, "unix:uid", NOBODY);
        }
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("r-x------"));
        Files.setAttribute(credentials, "unix:uid", NOBODY);
        Path ca = Files.copy(credentials.resolve("tls.crt"), dir.resolve("ca.crt"));

        int port = Loopback.freePort();
        Jar.Running running = runAsTheUnit(unit, port, credentials);
        running.awaitErr("serving https://0.0.0.0:" + port + "/metrics, tracing with libbpf", 60);
        assertRunsAsTheUnitSays(running);
        String url = "https://127.0.0.1:" + port + "/metrics";
        String metrics = scrapeUntilCounted("--cacert", ca.toString(), "-u", "prometheus:scrape me", url);
        assertThat(metrics).contains("ctxswitch_info{backend=\"libbpf\"");
        assertThat(curl("--cacert", ca.toString(), url)[0]).isEqualTo("401");
        assertThat(curl("--cacert", ca.toString(), "-u", "prometheus:guess", url)[0]).isEqualTo("401");
        assertThat(curl("http://127.0.0.1:" + port + "/metrics")[1]).doesNotContain("ctxswitch_latency");
        stopsOnSigterm(running, unit);
    }
}
