package io.ctxswitch.exporter;

/**
 * Where {@code --serve=[HOST:]PORT} listens: loopback unless a host is given. HOST is a name, an IPv4
 * address or a bracketed IPv6 address ({@code [::1]:9100}).
 */
public record ServeAddress(String host, int port) {
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** Parses the option's value; the message of the exception is one line for the user. */
    public static ServeAddress parse(String value) {
        String host = DEFAULT_HOST;
        String port = value;
        if (value.startsWith("[")) {
            int close = value.indexOf("]:");
            if (close < 0) {
                throw new IllegalArgumentException("--serve=" + value + ": expected [IPV6]:PORT");
            }
            host = value.substring(1, close);
            port = value.substring(close + 2);
        } else {
            int colon = value.lastIndexOf(':');
            if (colon >= 0) {
                if (value.indexOf(':') != colon) {
                    throw new IllegalArgumentException("--serve=" + value + ": an IPv6 address goes in brackets, as in [::1]:9100");
                }
                host = value.substring(0, colon);
                port = value.substring(colon + 1);
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("--serve=" + value + ": the host before ':' is empty (leave out the colon for " + DEFAULT_HOST + ")");
        }
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("--serve=" + value + ": the port must be a number from 1 to 65535, not '" + port + "'");
        }
        return new ServeAddress(host, Integer.parseInt(port));
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
