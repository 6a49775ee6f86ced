package io.ctxswitch.exporter;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpExchange;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * Basic auth against the bcrypt hashes of {@code --serve-config} (the JDK server answers 401 with a
 * {@code WWW-Authenticate} challenge to a request without the right credentials, before any handler).
 *
 * <p>bcrypt is slow on purpose (tens of ms at cost 10), which a scraper that comes every few seconds
 * must not pay each time, and which a client guessing passwords must not multiply: a password once
 * accepted is remembered (as a SHA-256 digest, one per user) and later matched without bcrypt; every
 * other check runs bcrypt one at a time, so guesses cost at most one CPU, and a check that cannot
 * start within {@link #WAIT_MS} is refused rather than held. An unknown user costs a bcrypt as well,
 * so that timing does not tell which users exist.
 */
final class BcryptAuthenticator extends BasicAuthenticator {
    static final long WAIT_MS = 1000;

    private final Map<String, String> hashes;
    private final Map<String, byte[]> accepted = new ConcurrentHashMap<>();
    private final Semaphore bcrypt = new Semaphore(1, true);
    /** Checked for an unknown user, at the cost of the first user's hash. */
    private final String decoy;

    BcryptAuthenticator(Map<String, String> hashes) {
        super("ctxswitch", StandardCharsets.UTF_8);
        this.hashes = Map.copyOf(hashes);
        String first = hashes.values().iterator().next();
        this.decoy = BCrypt.hashpw("decoy", BCrypt.gensalt(Integer.parseInt(first.substring(4, 6))));
    }

    /**
     * The JDK's check, except that a malformed {@code Authorization} header (not base64, no colon) gets
     * a 401 like any wrong credentials, where the JDK's would throw and drop the connection unanswered.
     */
    @Override
    public Result authenticate(HttpExchange exchange) {
        try {
            return super.authenticate(exchange);
        } catch (IllegalArgumentException | IndexOutOfBoundsException malformed) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"" + realm + "\", charset=\"UTF-8\"");
            return new Failure(401);
        }
    }

    @Override
    public boolean checkCredentials(String user, String password) {
        String hash = hashes.get(user);
        byte[] digest = digest(password);
        byte[] known = hash == null ? null : accepted.get(user);
        if (known != null && MessageDigest.isEqual(known, digest)) {
            return true;
        }
        try {
            if (!bcrypt.tryAcquire(WAIT_MS, TimeUnit.MILLISECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        boolean ok;
        try {
            ok = checkpw(password, hash == null ? decoy : hash) && hash != null;
        } finally {
            bcrypt.release();
        }
        if (ok) {
            accepted.put(user, digest);
        }
        return ok;
    }

    private static boolean checkpw(String password, String hash) {
        try {
            return BCrypt.checkpw(password, hash);
        } catch (IllegalArgumentException e) { // a password bcrypt refuses (over 72 bytes) matches nothing
            return false;
        }
    }

    private static byte[] digest(String password) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
