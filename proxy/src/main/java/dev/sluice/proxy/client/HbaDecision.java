// Maps the auth_hba_file's verdict for one client to the auth method Sluice runs (or a refusal).
package dev.sluice.proxy.client;

import dev.sluice.config.AuthType;
import dev.sluice.config.HbaRules;
import java.net.InetSocketAddress;

/** peer needs a unix socket, which Sluice does not listen on: it refuses, as reject does. */
final class HbaDecision {
    private HbaDecision() {
    }

    /** The method for this client, or null when it is refused. */
    static AuthType method(HbaRules rules, InetSocketAddress client, String database, String user, boolean tls) {
        if (rules == null || client == null) {
            return null;
        }
        return switch (rules.match(client.getAddress(), database, user, tls)) {
            case TRUST -> AuthType.TRUST;
            case MD5 -> AuthType.MD5;
            case PASSWORD -> AuthType.PLAIN;
            case SCRAM_SHA_256 -> AuthType.SCRAM_SHA_256;
            case CERT -> AuthType.CERT; // the certificate's CN is checked like auth_type = cert
            case REJECT, PEER -> null;
        };
    }
}
