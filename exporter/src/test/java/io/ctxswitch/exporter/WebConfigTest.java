package io.ctxswitch.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --serve-config}: what the file may say, how each mistake is said (one line), which modes are
 * refused, and that Prometheus's own {@code promtool check web-config} accepts what we accept.
 */
@Timeout(120)
class WebConfigTest {
    /** A well-formed bcrypt hash at cost 10 (PHP manual's example), in the form {@code htpasswd -nbB} writes. */
    static final String HASH = "$2y$10$" + "R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW";

    @TempDir
    static Path shared;
    static TestCertificate ec;
    static TestCertificate rsa;

    @TempDir
    Path dir;

    @BeforeAll
    static void certificates() throws Exception {
        ec = TestCertificate.make(shared, "ec", "EC");
        rsa = TestCertificate.make(shared, "rsa", "RSA");
    }

    private Path write(String name, String text, String mode) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    private Path config(String text) throws Exception {
        return write("web.yml", text, "rw-r-----");
    }

    private static String tls(TestCertificate c) {
        return "tls_server_config:\n  cert_file: " + c.certFile() + "\n  key_file: " + c.keyFile() + "\n";
    }

    @Test
    void tlsAndUsersAreRead() throws Exception {
        WebConfig config = WebConfig.read(config(tls(ec) + "basic_auth_users:\n  prometheus: " + HASH + "\n  grafana: '" + HASH + "'\n"));
        assertThat(config.tls()).isEqualTo(new WebConfig.Tls(ec.certFile(), ec.keyFile()));
        assertThat(config.users()).containsOnlyKeys("prometheus", "grafana").containsValue(HASH);
        assertThat(ServeSecurity.load(dir.resolve("web.yml")).tls()).isNotNull();
    }

    @Test
    void relativePathsAreTakenFromTheFilesDirectory() throws Exception {
        WebConfig config = WebConfig.read(config("tls_server_config:\n  cert_file: tls/server.crt\n  key_file: ../server.key\n"));
        assertThat(config.tls().certFile()).isEqualTo(dir.toAbsolutePath().resolve("tls/server.crt"));
        assertThat(config.tls().keyFile()).isEqualTo(dir.toAbsolutePath().resolve("../server.key"));
        assertThat(config.users()).isEmpty();
    }

    @Test
    void usersAloneOrTlsAloneWill() throws Exception {
        assertThat(ServeSecurity.load(config("basic_auth_users:\n  u: " + HASH + "\n")).tls()).isNull();
        ServeSecurity tlsOnly = ServeSecurity.load(config(tls(rsa)));
        assertThat(tlsOnly.tls()).isNotNull();
        assertThat(tlsOnly.authenticator()).isNull();
    }

    @Test
    void mistakesAreOneLineEach() throws Exception {
        String[][] cases = {
            {"", "it is empty"},
            {"# nothing\n", "it is empty"},
            {"{}\n", "sets neither TLS nor any user"},
            {"basic_auth_users:\n", "sets neither TLS nor any user"},
            {"- a\n- b\n", "expected a mapping"},
            {"tls_server_config: [1]\n", "tls_server_config must be a mapping"},
            {"basic_auth_users: [u]\n", "basic_auth_users must be a mapping"},
            {"http_server_config:\n  http2: false\n", "http_server_config is not supported (ctxswitch reads basic_auth_users, tls_server_config)"},
            {tls(ec) + "  client_ca_file: ca.pem\n", "tls_server_config.client_ca_file is not supported"},
            {"tls_server_config:\n  cert_file: a.crt\n", "tls_server_config.key_file is missing"},
            {"tls_server_config:\n  key_file: a.key\n", "tls_server_config.cert_file is missing"},
            {"basic_auth_users:\n  u: secret\n", "basic_auth_users.u is not a bcrypt hash"},
            {"basic_auth_users:\n  u: 12\n", "basic_auth_users.u is not a bcrypt hash"},
            {"basic_auth_users:\n  u: '$2y$10$short'\n", "basic_auth_users.u is not a bcrypt hash"},
            {"basic_auth_users:\n  'a:b': " + HASH + "\n", "'a:b' cannot be a user name"},
            {"basic_auth_users:\n  u: " + HASH + "\n  u: " + HASH + "\n", "not valid YAML: Duplicate field 'u'"},
            {"tls_server_config:\n cert_file: [\n", "not valid YAML"},
        };
        for (String[] c : cases) {
            Path file = config(c[0]);
            assertThatThrownBy(() -> ServeSecurity.load(file)).as(c[0])
                    .isInstanceOf(WebConfig.Invalid.class)
                    .hasMessageContaining(c[1])
                    .hasMessageNotContaining("\n");
        }
        assertThatThrownBy(() -> WebConfig.read(dir.resolve("absent.yml"))).hasMessage("no such file");
    }

    @Test
    void badTlsFilesAreOneLineEach() throws Exception {
        Path notPem = write("not.crt", "hello\n", "rw-r--r--");
        Path notPemKey = write("not.key", "hello\n", "rw-------");
        Path pkcs1 = write("pkcs1.key", "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n", "rw-------");
        Path encrypted = write("enc.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n", "rw-------");
        Path garbage = write("garbage.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "rw-------");
        Object[][] cases = {
            {dir.resolve("none.crt"), ec.keyFile(), "does not exist (tls_server_config.cert_file)"},
            {ec.certFile(), dir.resolve("none.key"), "does not exist (tls_server_config.key_file)"},
            {notPem, ec.keyFile(), "holds no PEM certificate"},
            {ec.certFile(), notPemKey, "holds no PEM private key"},
            {ec.certFile(), pkcs1, "is not PKCS#8; convert it: openssl pkcs8 -topk8 -nocrypt -in " + pkcs1},
            {ec.certFile(), encrypted, "is encrypted"},
            {ec.certFile(), garbage, "is not a EC private key"},
            {ec.certFile(), rsa.keyFile(), "is not a EC private key"},
            {rsa.certFile(), ec.keyFile(), "is not a RSA private key"},
        };
        for (Object[] c : cases) {
            Path file = config("tls_server_config:\n  cert_file: " + c[0] + "\n  key_file: " + c[1] + "\n");
            assertThatThrownBy(() -> ServeSecurity.load(file)).as("%s", c[2])
                    .isInstanceOf(WebConfig.Invalid.class).hasMessageContaining((String) c[2]).hasMessageNotContaining("\n");
        }
    }

    @Test
    void aKeyOfAnotherPairIsRefused() throws Exception {
        TestCertificate other = TestCertificate.make(dir, "other", "EC");
        Path file = config("tls_server_config:\n  cert_file: " + ec.certFile() + "\n  key_file: " + other.keyFile() + "\n");
        assertThatThrownBy(() -> ServeSecurity.load(file))
                .hasMessage(other.keyFile() + " is not the private key of the certificate in the cert_file");
    }

    @Test
    void secretsReadableByEveryUserAreRefused() throws Exception {
        String users = "basic_auth_users:\n  u: " + HASH + "\n";
        Path open = write("open.yml", users, "rw-r--r--");
        assertThatThrownBy(() -> WebConfig.read(open)).hasMessage(open + " is readable by every user (rw-r--r--)"
                + " and it holds password hashes: chmod o-rwx " + open);
        assertThat(WebConfig.read(write("group.yml", users, "rw-r-----")).users()).containsKey("u");
        assertThat(WebConfig.read(write("tlsonly.yml", tls(ec), "rw-r--r--")).tls())
                .as("a file without hashes may be read by all").isNotNull();
        Path writable = write("writable.yml", tls(ec), "rw-rw-rw-");
        assertThatThrownBy(() -> WebConfig.read(writable)).hasMessage(writable + " is writable by every user (rw-rw-rw-): chmod o-w " + writable);

        Path key = write("open.key", Files.readString(ec.keyFile()), "rw-r--r--");
        Path file = config("tls_server_config:\n  cert_file: " + ec.certFile() + "\n  key_file: " + key + "\n");
        assertThatThrownBy(() -> ServeSecurity.load(file)).hasMessage(key + " is readable by every user (rw-r--r--)"
                + " and it is a private key: chmod o-rwx " + key);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
        assertThat(ServeSecurity.load(file).tls()).as("group-readable, as Debian's ssl-cert keys are").isNotNull();
    }

    @Test
    void promtoolAcceptsWhatWeAccept() throws Exception {
        io.ctxswitch.core.testing.LiveTestSkip.unless(Files.isExecutable(Path.of("/usr/bin/promtool")), "promtool (apt-get install prometheus)");
        Path file = config(tls(ec) + "basic_auth_users:\n  prometheus: " + HASH + "\n");
        ServeSecurity.load(file);
        Process p = new ProcessBuilder("promtool", "check", "web-config", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("SUCCESS");
    }
}
