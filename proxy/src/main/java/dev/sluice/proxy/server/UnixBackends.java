// Which unix-socket backends Sluice refuses: no epoll transport, or server TLS required where PostgreSQL has none.
package dev.sluice.proxy.server;

import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.TlsMode;

/**
 * PostgreSQL never does TLS on a unix socket (libpq does not send SSLRequest there), so sslmode prefer and allow
 * fall back to a plain connection, while require and verify-* are refused rather than silently downgraded.
 */
public final class UnixBackends {
    private UnixBackends() {
    }

    /** Why {@code backend} (one host) cannot be connected to, or null when it can. */
    static String refusal(Backend backend, ServerConnector connector) {
        if (!backend.isUnix()) {
            return null;
        }
        if (!connector.unixSockets()) {
            return noTransport(backend.host());
        }
        TlsMode mode = connector.tls().server().mode();
        return mode.atLeast(TlsMode.REQUIRE) ? tlsRequired(backend.host(), mode) : null;
    }

    /** The first problem of any database's unix-socket hosts under {@code config}, or null: checked at start. */
    public static String problem(SluiceConfig config, boolean unixSockets) {
        for (DatabaseConfig db : config.databases().values()) {
            String hosts = db.host() != null ? db.host() : DatabaseConfig.DEFAULT_HOST;
            for (String host : hosts.split(",")) {
                if (!Backend.isUnixHost(host)) {
                    continue;
                }
                String what = "database '" + db.name() + "': ";
                if (!unixSockets) {
                    return what + noTransport(host);
                }
                if (config.serverTlsSslmode().atLeast(TlsMode.REQUIRE)) {
                    return what + tlsRequired(host, config.serverTlsSslmode());
                }
            }
        }
        return null;
    }

    private static String noTransport(String host) {
        return "host = '" + host + "' is a unix socket directory, which needs Netty's epoll transport (Linux);"
                + " it is not available here: use a TCP host";
    }

    private static String tlsRequired(String host, TlsMode mode) {
        return "host = '" + host + "' is a unix socket directory and PostgreSQL does not use TLS on unix sockets,"
                + " but server_tls_sslmode = " + mode
                + " requires it: use server_tls_sslmode = prefer (or disable), or a TCP host";
    }
}
