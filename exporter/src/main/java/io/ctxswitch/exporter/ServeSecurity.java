package io.ctxswitch.exporter;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpsConfigurator;
import java.nio.file.Path;

/**
 * What guards the server: TLS (its certificate and key read and checked) and basic auth, from a
 * {@code --serve-config} file, or neither. Loaded before anything is bound or attached, so that a bad
 * file is said at once.
 *
 * @param tls null for plain HTTP
 * @param authenticator null for no authentication
 */
public record ServeSecurity(HttpsConfigurator tls, Authenticator authenticator) {
    public static final ServeSecurity NONE = new ServeSecurity(null, null);

    /** Reads {@code file} and everything it names; the exception's message is one line for the user. */
    public static ServeSecurity load(Path file) throws WebConfig.Invalid {
        WebConfig config = WebConfig.read(file);
        return new ServeSecurity(
                config.tls() == null ? null : TlsFiles.configurator(config.tls()),
                config.authenticates() ? new BcryptAuthenticator(config.users()) : null);
    }
}
