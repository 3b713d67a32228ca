// Unix-socket backends: refused without the epoll transport; server TLS settings do not apply to them.
package dev.sluice.proxy.server;

import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.TlsMode;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL never does TLS on a unix socket: libpq ignores sslmode there ("sslmode is ignored for Unix domain
 * socket communication") and PgBouncer sends no SSLRequest to a socket either, so a pgbouncer.ini with
 * server_tls_sslmode = require and a socket host loads unchanged. Sluice does the same and says so once, at
 * start, in a warning naming the host; the socket never leaves the machine.
 */
public final class UnixBackends {
    private UnixBackends() {
    }

    /** Why {@code backend} (one host) cannot be connected to, or null when it can. */
    static String refusal(Backend backend, ServerConnector connector) {
        return backend.isUnix() && !connector.unixSockets() ? noTransport(backend.host()) : null;
    }

    /** The first problem of any database's unix-socket hosts under {@code config}, or null: checked at start. */
    public static String problem(SluiceConfig config, boolean unixSockets) {
        if (unixSockets) {
            return null;
        }
        List<String[]> hosts = unixHosts(config);
        return hosts.isEmpty() ? null : "database '" + hosts.get(0)[0] + "': " + noTransport(hosts.get(0)[1]);
    }

    /** Warnings for socket hosts where server_tls_sslmode asks for TLS that PostgreSQL has not there. */
    public static List<String> notices(SluiceConfig config) {
        List<String> out = new ArrayList<>();
        TlsMode mode = config.serverTlsSslmode();
        if (!mode.atLeast(TlsMode.REQUIRE)) {
            return out; // prefer and allow fall back to plain anyway, as on any server without TLS
        }
        for (String[] dbHost : unixHosts(config)) {
            out.add("database '" + dbHost[0] + "': host = '" + dbHost[1] + "' is a unix socket directory;"
                    + " PostgreSQL has no TLS there, so server_tls_sslmode = " + mode + " does not apply to it"
                    + " (as in libpq and PgBouncer): its connections stay on this machine, unencrypted");
        }
        return out;
    }

    private static List<String[]> unixHosts(SluiceConfig config) {
        List<String[]> out = new ArrayList<>();
        for (DatabaseConfig db : config.databases().values()) {
            String hosts = db.host() != null ? db.host() : DatabaseConfig.DEFAULT_HOST;
            for (String host : hosts.split(",")) {
                if (Backend.isUnixHost(host)) {
                    out.add(new String[] {db.name(), host});
                }
            }
        }
        return out;
    }

    private static String noTransport(String host) {
        return "host = '" + host + "' is a unix socket directory, which needs Netty's epoll transport (Linux);"
                + " it is not available here: use a TCP host";
    }

}
