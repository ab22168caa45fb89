package io.timemesh.core.ntp;

/**
 * An NTP server as a user names it: {@code host}, {@code host:port}, {@code [v6]:port} or a bare IPv6
 * address. The port defaults to 123.
 */
public record ServerAddress(String host, int port) {

    public ServerAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("server host is empty");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("server port must be 1..65535, was " + port);
        }
    }

    public static ServerAddress parse(String text) {
        String value = text == null ? "" : text.strip();
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '[' in server address: " + text);
            }
            String host = value.substring(1, close);
            String rest = value.substring(close + 1);
            if (rest.isEmpty()) {
                return new ServerAddress(host, NtpConstants.DEFAULT_PORT);
            }
            if (!rest.startsWith(":")) {
                throw new IllegalArgumentException("expected ':port' after ']' in server address: " + text);
            }
            return new ServerAddress(host, parsePort(rest.substring(1), text));
        }
        int colon = value.indexOf(':');
        if (colon >= 0 && colon == value.lastIndexOf(':')) {
            return new ServerAddress(value.substring(0, colon), parsePort(value.substring(colon + 1), text));
        }
        // No colon, or several: a bare host name or IPv6 address.
        return new ServerAddress(value, NtpConstants.DEFAULT_PORT);
    }

    private static int parsePort(String port, String text) {
        try {
            return Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port is not a number in server address: " + text);
        }
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
