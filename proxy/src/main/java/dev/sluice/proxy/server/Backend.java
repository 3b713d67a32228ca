// Where a pool's servers connect and who they log in as.
package dev.sluice.proxy.server;

import java.util.List;
import java.util.Map;

/**
 * @param secret password for the server login: plain text, an md5 secret (works for md5 auth) or null
 * @param startupParameters extra startup parameters sent on every server login (client_encoding, ...)
 * @param connectQuery SQL run once on every new server before its first client (connect_query), or null
 */
public record Backend(String host, int port, String database, String user, String secret,
                      Map<String, String> startupParameters, String connectQuery) {
    public String address() {
        return isUnix() ? socketPath() : host + ":" + port;
    }

    /** A host beginning with '/' is a unix socket directory, as in libpq and PgBouncer. */
    public static boolean isUnixHost(String host) {
        return host.startsWith("/");
    }

    /** This (single-host) backend is reached over a unix-domain socket. */
    public boolean isUnix() {
        return isUnixHost(host);
    }

    /** The socket file PostgreSQL listens on in directory {@code dir}: {@code <dir>/.s.PGSQL.<port>}. */
    public static String socketPath(String dir, int port) {
        return (dir.endsWith("/") ? dir : dir + "/") + ".s.PGSQL." + port;
    }

    public String socketPath() {
        return socketPath(host, port);
    }

    /** The hosts of a {@code host=a,b} list, in order; one element for a single host. */
    public List<String> hosts() {
        return List.of(host.split(","));
    }

    /** This backend on one host of its list: what a single server connection (and its cancels) talks to. */
    public Backend onHost(String oneHost) {
        return new Backend(oneHost, port, database, user, secret, startupParameters, connectQuery);
    }

    @Override
    public String toString() {
        return user + "@" + address() + "/" + database; // never the secret
    }
}
