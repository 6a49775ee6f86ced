package io.ctxswitch.exporter;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The TLS side of {@code --serve-config}: the PEM certificate chain and PKCS#8 key that Prometheus's
 * web config names, made into the server's TLS context, with TLS 1.2 and 1.3 only. Read once at
 * start; a renewed certificate takes a restart. What is wrong with the files is said in one line.
 */
final class TlsFiles {
    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private TlsFiles() {
    }

    /** Checks the files and makes the configurator the HTTPS server takes. */
    static HttpsConfigurator configurator(WebConfig.Tls tls) throws WebConfig.Invalid {
        SSLContext context = context(tls);
        return new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = context.getDefaultSSLParameters();
                p.setProtocols(PROTOCOLS); // whatever the JDK's java.security allows, never below 1.2
                params.setSSLParameters(p);
            }
        };
    }

    static SSLContext context(WebConfig.Tls tls) throws WebConfig.Invalid {
        X509Certificate[] chain = certificates(tls.certFile());
        PrivateKey key = privateKey(tls.keyFile(), chain[0]);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("ctxswitch", key, new char[0], chain);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, new char[0]);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new WebConfig.Invalid("cannot use " + tls.certFile() + " and " + tls.keyFile() + " for TLS: " + e.getMessage());
        }
    }

    private static X509Certificate[] certificates(Path file) throws WebConfig.Invalid {
        byte[] pem = read(file, "tls_server_config.cert_file");
        Collection<? extends Certificate> found;
        try {
            found = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
        } catch (CertificateException e) {
            found = java.util.List.of();
        }
        if (found.isEmpty()) {
            throw new WebConfig.Invalid(file + " holds no PEM certificate (tls_server_config.cert_file)");
        }
        return found.stream().map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
    }

    private static PrivateKey privateKey(Path file, X509Certificate certificate) throws WebConfig.Invalid {
        String pem = new String(read(file, "tls_server_config.key_file"), StandardCharsets.US_ASCII);
        SecretFile.refuseIfOthersCanRead(file, "it is a private key");
        Matcher m = PKCS8.matcher(pem);
        if (!m.find()) {
            if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
                throw new WebConfig.Invalid(file + " is encrypted; ctxswitch reads an unencrypted key whose file only it can read");
            }
            if (pem.contains("PRIVATE KEY-----")) { // BEGIN RSA PRIVATE KEY (PKCS#1), BEGIN EC PRIVATE KEY (SEC1)
                throw new WebConfig.Invalid(file + " is not PKCS#8; convert it: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out KEY.pem");
            }
            throw new WebConfig.Invalid(file + " holds no PEM private key (tls_server_config.key_file)");
        }
        String algorithm = certificate.getPublicKey().getAlgorithm();
        PrivateKey key;
        try {
            byte[] der = Base64.getMimeDecoder().decode(m.group(1));
            key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new WebConfig.Invalid(file + " is not a " + algorithm + " private key, as the certificate's key is");
        }
        if (!matches(key, certificate)) {
            throw new WebConfig.Invalid(file + " is not the private key of the certificate in the cert_file");
        }
        return key;
    }

    /** Whether the key signs what the certificate's public key verifies: a key of another pair is said at start, not at each handshake. */
    private static boolean matches(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return true; // no way to check here; a mismatch shows at the first handshake
        }
        try {
            byte[] probe = "ctxswitch".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(certificate.getPublicKey());
            verify.update(probe);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] read(Path file, String key) throws WebConfig.Invalid {
        try {
            return Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new WebConfig.Invalid(file + " does not exist (" + key + ")");
        } catch (IOException e) {
            throw new WebConfig.Invalid("cannot read " + file + " (" + key + "): " + e.getMessage());
        }
    }
}
