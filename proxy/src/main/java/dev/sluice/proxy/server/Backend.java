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
        return host + ":" + port;
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
        return user + "@" + host + ":" + port + "/" + database; // never the secret
    }
}
