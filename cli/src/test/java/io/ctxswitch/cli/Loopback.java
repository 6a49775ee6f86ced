package io.ctxswitch.cli;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** Plain HTTP on loopback, as the tests that scrape {@code --serve} (or a Prometheus) need it. */
final class Loopback {
    private Loopback() {
    }

    /** A TCP port free on loopback now (the kernel's choice), for a server a test is about to start. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The body of a GET that answered 200, asking for {@code accept} (or anything when null); bounded waits. */
    static String get(String url, String accept) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(5000);
        // No keep-alive: the JDK caches idle connections by host and port for seconds, and tests reuse
        // ports (freePort); a later request could otherwise go down an earlier server's connection.
        c.setRequestProperty("Connection", "close");
        if (accept != null) {
            c.setRequestProperty("Accept", accept);
        }
        if (c.getResponseCode() != 200) {
            throw new IOException(url + ": HTTP " + c.getResponseCode());
        }
        return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
