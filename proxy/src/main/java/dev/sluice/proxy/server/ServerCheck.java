// The health check (server_check_query) run on a server idle longer than server_check_delay before a client gets it.
package dev.sluice.proxy.server;

import dev.sluice.proxy.pool.Clock;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.pool.ServerState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool moves the server to TESTING and calls {@link #start}; a good answer releases it to the longest waiting
 * client, anything else (an error, a closed socket, no answer within server_connect_timeout, enforced by the
 * janitor) closes it, and the pool then serves its waiters from the next idle server or a new one.
 */
public final class ServerCheck {
    private static final Logger log = LoggerFactory.getLogger(ServerCheck.class);

    private ServerCheck() {
    }

    /** From any thread: runs the check on the server's loop. */
    public static void start(ServerConnection s) {
        s.channel().eventLoop().execute(() -> run(s));
    }

    private static void run(ServerConnection s) {
        if (s.state() != ServerState.TESTING) {
            s.pool().serveWaiters(); // closed before the check began: the next server serves the waiter
            return;
        }
        s.checkStartedNanos(Clock.now());
        String query = s.pool().settings().serverCheckQuery();
        s.runInternal(query == null ? "" : query, error -> {
            s.checkStartedNanos(0);
            if (error == null && s.txStatus() == 'I' && s.state() == ServerState.TESTING) {
                s.pool().release(s);
            } else {
                if (error != null) {
                    log.info("server {} failed its health check: {}", s.id(), error);
                }
                s.close(DisconnectReason.SERVER_CHECK_FAILED);
            }
        });
        s.channel().flush();
    }
}
