// A postgres:// connection URL (DATABASE_URL style) for the backend, parsed without leaking its password.
package dev.sluice.config;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code postgres[ql]://user:password@host:port/database?key=value}, as libpq accepts it, minus
 * multiple hosts and unix sockets. User, password, database and query parts are percent-decoded.
 * Missing parts default to host 127.0.0.1, port 5432 and database = user. The query keys
 * {@code user}, {@code password}, {@code host}, {@code port} and {@code dbname} override the
 * matching parts as in libpq; the others are kept in {@code options}.
 *
 * <p>This is parsed by hand rather than with {@link java.net.URI}: URI rejects passwords with
 * unencoded reserved characters and puts the whole input, password included, in its exceptions.
 */
public record BackendUrl(String user, String password, String host, int port, String database,
        Map<String, String> options) {

    public BackendUrl {
        options = options == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /**
     * @throws ConfigException for a malformed URL; the message never contains the password
     */
    public static BackendUrl parse(String url) throws ConfigException {
        if (url == null) {
            throw new ConfigException("backend URL is missing");
        }
        String rest = url.strip();
        String lower = rest.toLowerCase(Locale.ROOT);
        if (lower.startsWith("postgresql://")) {
            rest = rest.substring("postgresql://".length());
        } else if (lower.startsWith("postgres://")) {
            rest = rest.substring("postgres://".length());
        } else {
            throw new ConfigException("backend URL must start with postgres:// or postgresql://");
        }
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        String path = slash >= 0 ? rest.substring(slash + 1) : "";
        String authority = slash >= 0 ? rest.substring(0, slash) : rest;

        String user = null;
        String password = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            user = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo, "user name");
            password = colon >= 0 ? decode(userInfo.substring(colon + 1), "password") : null;
        }
        String[] hostPort = hostAndPort(authority);
        String host = hostPort[0].isEmpty() ? DatabaseConfig.DEFAULT_HOST : decode(hostPort[0], "host");
        String port = hostPort[1];
        String database = path.isEmpty() ? null : decode(path, "database name");

        Map<String, String> options = new LinkedHashMap<>();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq >= 0 ? pair.substring(0, eq) : pair, "query parameter name");
                String value = decode(eq >= 0 ? pair.substring(eq + 1) : "", "value of query parameter " + key);
                switch (key) {
                    case "user": user = value; break;
                    case "password": password = value; break;
                    case "host": host = value; break;
                    case "port": port = value; break;
                    case "dbname": database = value; break;
                    default: options.put(key, value);
                }
            }
        }
        if (user != null && user.isEmpty()) {
            user = null;
        }
        if (host.contains(",")) {
            throw new ConfigException("backend URL: multiple hosts are not supported");
        }
        return new BackendUrl(user, password, host, parsePort(port), database == null ? user : database, options);
    }

    /** Splits "host", "host:port" or "[v6]:port"; the port is "" when absent. */
    private static String[] hostAndPort(String authority) throws ConfigException {
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new ConfigException("backend URL: unterminated [ in IPv6 host");
            }
            String after = authority.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                throw new ConfigException("backend URL: expected :port after the IPv6 host");
            }
            return new String[] {authority.substring(1, close), after.isEmpty() ? "" : after.substring(1)};
        }
        int colon = authority.lastIndexOf(':');
        return colon >= 0 ? new String[] {authority.substring(0, colon), authority.substring(colon + 1)}
                : new String[] {authority, ""};
    }

    private static int parsePort(String port) throws ConfigException {
        if (port == null || port.isEmpty()) {
            return DatabaseConfig.DEFAULT_PORT;
        }
        try {
            int p = Integer.parseInt(port);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below with the expected range
        }
        // The text is not echoed: with an unencoded '/' in a password, "port" holds part of the password.
        throw new ConfigException("backend URL: the port is not an integer in 1..65535"
                + " (percent-encode special characters in the user name and password)");
    }

    /** Percent-decodes UTF-8; {@code what} names the part in errors instead of quoting it. */
    private static String decode(String s, String what) throws ConfigException {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%') {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
            int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
            if (hi < 0 || lo < 0) {
                throw new ConfigException("backend URL: invalid percent-encoding in the " + what);
            }
            out.write(hi * 16 + lo);
            i += 2;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** The URL with the password shown as {@code ****}, safe for logs and SHOW output. */
    public String redacted() {
        StringBuilder url = new StringBuilder("postgresql://");
        if (user != null) {
            url.append(encode(user));
            if (password != null) {
                url.append(":****");
            }
            url.append('@');
        }
        url.append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port);
        if (database != null) {
            url.append('/').append(encode(database));
        }
        String sep = "?";
        for (Map.Entry<String, String> o : options.entrySet()) {
            url.append(sep).append(encode(o.getKey())).append('=').append(encode(o.getValue()));
            sep = "&";
        }
        return url.toString();
    }

    /** Redacted, so a record printed by accident does not leak the password. */
    @Override
    public String toString() {
        return redacted();
    }
}
