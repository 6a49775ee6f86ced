package io.ctxswitch.exporter;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What {@code --serve-config=FILE} asks of the server: TLS, basic auth, or both. The file is a subset
 * of Prometheus's own web configuration file (the one {@code prometheus --web.config.file} and the
 * exporters of the Prometheus project read, checked by {@code promtool check web-config}):
 *
 * <pre>
 * tls_server_config:
 *   cert_file: /etc/ctxswitch/tls.crt   # PEM: the certificate, then any intermediates
 *   key_file: /etc/ctxswitch/tls.key    # PEM, PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted
 * basic_auth_users:
 *   prometheus: $2y$10$...              # bcrypt hash (htpasswd -nBC 10 prometheus), never the password
 * </pre>
 *
 * <p>Relative paths are taken from the file's directory, as Prometheus does. Any other key is refused
 * rather than ignored: a setting the user believes in force (client certificates, say) must not
 * silently be absent. A file that sets neither is refused too: an empty or truncated file must not
 * mean an unprotected server.
 *
 * @param tls the certificate and key, or null for plain HTTP
 * @param users each user's bcrypt hash; empty for no authentication
 */
public record WebConfig(Tls tls, Map<String, String> users) {
    /** A bcrypt hash as htpasswd, Python's bcrypt or Spring write it: $2a$, $2b$ or $2y$, cost, 53 characters. */
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");
    private static final Set<String> TOP_KEYS = Set.of("tls_server_config", "basic_auth_users");
    private static final Set<String> TLS_KEYS = Set.of("cert_file", "key_file");

    /** The certificate chain and private key files, both PEM. */
    public record Tls(Path certFile, Path keyFile) {
    }

    /** A file that cannot be used; the message is one line for the user, naming what to fix. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    public WebConfig {
        users = Map.copyOf(users);
    }

    public boolean authenticates() {
        return !users.isEmpty();
    }

    /** Reads and checks {@code file}, including that its secrets are not readable by every user. */
    public static WebConfig read(Path file) throws Invalid {
        JsonNode root;
        try {
            ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
            yaml.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION); // a user given twice is a mistake, not "the last wins"
            root = yaml.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new Invalid("no such file");
        } catch (JsonProcessingException e) {
            throw new Invalid("not valid YAML: " + e.getOriginalMessage().lines().findFirst().orElse("")
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        } catch (IOException e) {
            throw new Invalid("cannot read it: " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new Invalid("it is empty; it must set tls_server_config, basic_auth_users or both");
        }
        if (!root.isObject()) {
            throw new Invalid("expected a mapping with tls_server_config and/or basic_auth_users");
        }
        onlyKnownKeys(root, TOP_KEYS, "");
        Path base = file.toAbsolutePath().getParent();
        Tls tls = root.has("tls_server_config") ? tls(root.get("tls_server_config"), base) : null;
        Map<String, String> users = root.has("basic_auth_users") ? users(root.get("basic_auth_users")) : Map.of();
        if (tls == null && users.isEmpty()) {
            throw new Invalid("it sets neither TLS nor any user; it must set tls_server_config, basic_auth_users or both");
        }
        if (!users.isEmpty()) {
            SecretFile.refuseIfOthersCanRead(file, "it holds password hashes");
        }
        SecretFile.refuseIfOthersCanWrite(file);
        return new WebConfig(tls, users);
    }

    private static Tls tls(JsonNode node, Path base) throws Invalid {
        if (!node.isObject()) {
            throw new Invalid("tls_server_config must be a mapping with cert_file and key_file");
        }
        onlyKnownKeys(node, TLS_KEYS, "tls_server_config.");
        return new Tls(path(node, "cert_file", base), path(node, "key_file", base));
    }

    private static Path path(JsonNode tls, String key, Path base) throws Invalid {
        JsonNode value = tls.get(key);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new Invalid("tls_server_config." + key + " is missing (TLS needs both cert_file and key_file)");
        }
        return base.resolve(value.asText());
    }

    private static Map<String, String> users(JsonNode node) throws Invalid {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new Invalid("basic_auth_users must be a mapping of user names to bcrypt hashes");
        }
        Map<String, String> users = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> user = it.next();
            String name = user.getKey();
            if (name.isEmpty() || name.indexOf(':') >= 0) {
                throw new Invalid("basic_auth_users: '" + name + "' cannot be a user name (empty, or holds ':')");
            }
            String hash = user.getValue().isTextual() ? user.getValue().asText() : "";
            if (!BCRYPT.matcher(hash).matches()) {
                throw new Invalid("basic_auth_users." + name + " is not a bcrypt hash ($2y$10$ and 53 characters;"
                        + " make one with: htpasswd -nBC 10 " + name + ")");
            }
            users.put(name, hash);
        }
        return users;
    }

    private static void onlyKnownKeys(JsonNode node, Set<String> known, String prefix) throws Invalid {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                throw new Invalid(prefix + key + " is not supported (ctxswitch reads "
                        + String.join(", ", known.stream().sorted().map(k -> prefix + k).toList()) + ")");
            }
        }
    }
}
