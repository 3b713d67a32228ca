// Per-client time limits and the shutdown boundary: the janitor picks candidates, each client's own loop acts.
package dev.sluice.proxy.client;

import dev.sluice.config.SluiceConfig;
import dev.sluice.config.UserConfig;
import dev.sluice.protocol.SqlState;
import dev.sluice.proxy.pool.ClientState;
import dev.sluice.proxy.pool.Clock;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.server.ServerConnection;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * client_idle_timeout, idle_transaction_timeout, query_timeout, transaction_timeout and, while Sluice drains,
 * the transaction boundary at which a client is closed with 57P01. The janitor reads each client's stamps
 * racily (plain fields of another loop) only to choose candidates; the verdict is taken again on the client's
 * loop before anything is done, so a client that just became busy is left alone. Every action goes through
 * {@link ClientConnection#fatal}: the client gets one FATAL ErrorResponse and its server is cancelled, rolled
 * back and returned to the pool (or closed) by the usual clean-up.
 */
public final class Lifecycle {
    static final String SHUTDOWN_MESSAGE =
            "terminating connection because Sluice is shutting down; reconnect (to another instance)";
    private static final Logger log = LoggerFactory.getLogger("dev.sluice.proxy.client");

    /** The limits in nanoseconds, 0 = off. */
    public record Limits(long clientIdle, long idleTransaction, long query, long transaction) {
        public static Limits of(SluiceConfig c) {
            return new Limits(c.clientIdleTimeout().toNanos(), c.idleTransactionTimeout().toNanos(),
                    c.queryTimeout().toNanos(), c.transactionTimeout().toNanos());
        }

        /** The limits for {@code user}'s clients: its [users] entry's timeouts where set, else the defaults. */
        public static Limits of(SluiceConfig c, String user) {
            Limits d = of(c);
            UserConfig u = user == null ? null : c.users().get(user);
            if (u == null) {
                return d;
            }
            return new Limits(or(u.clientIdleTimeout(), d.clientIdle), or(u.idleTransactionTimeout(), d.idleTransaction),
                    or(u.queryTimeout(), d.query), d.transaction);
        }

        private static long or(java.time.Duration set, long otherwise) {
            return set == null ? otherwise : set.toNanos();
        }

        boolean any() {
            return clientIdle > 0 || idleTransaction > 0 || query > 0 || transaction > 0;
        }
    }

    private enum Verdict { NONE, CLIENT_IDLE, IDLE_TRANSACTION, QUERY, TRANSACTION, SHUTDOWN }

    private Lifecycle() {
    }

    /** From the janitor: hands every client of {@code pool} that is past a limit (or at a boundary) to its loop. */
    public static void scan(Pool pool, long now, Limits limits, boolean draining) {
        if (!limits.any() && !draining) {
            return;
        }
        for (ClientConnection c : pool.clientList()) {
            if (verdict(c, now, limits, draining, false) != Verdict.NONE) {
                c.loop().execute(() -> enforce(c, limits, draining));
            }
        }
    }

    /** From any thread: closes the client now with 57P01 (shutdown_timeout reached, or an immediate shutdown). */
    public static void terminate(ClientConnection c, DisconnectReason reason) {
        if (c.channel() != null) {
            c.loop().execute(() -> c.fatal(SqlState.ADMIN_SHUTDOWN, "terminating connection because Sluice is"
                    + " shutting down (" + reason + ")", reason));
        }
    }

    private static Verdict verdict(ClientConnection c, long now, Limits l, boolean draining, boolean onLoop) {
        if (c.isClosed()) {
            return Verdict.NONE;
        }
        ServerConnection s = c.server();
        if (s == null) {
            if (c.state() != ClientState.IDLE) {
                return Verdict.NONE; // waiting for a server: query_wait_timeout applies
            }
            if (draining) {
                return Verdict.SHUTDOWN;
            }
            return l.clientIdle > 0 && now - c.lastReadNanos() > l.clientIdle ? Verdict.CLIENT_IDLE : Verdict.NONE;
        }
        byte tx = s.txStatus();
        if (s.requestsOutstanding() > 0) {
            if (l.query > 0 && now - s.requestNanos() > l.query) {
                return Verdict.QUERY;
            }
        } else if (tx != 'I') {
            if (l.idleTransaction > 0 && now - s.readyNanos() > l.idleTransaction) {
                return Verdict.IDLE_TRANSACTION;
            }
        } else if (!onLoop || !s.busy()) {
            // linked outside a transaction: session mode between transactions
            if (draining) {
                return Verdict.SHUTDOWN;
            }
            if (l.clientIdle > 0 && now - c.lastReadNanos() > l.clientIdle) {
                return Verdict.CLIENT_IDLE;
            }
        }
        if (l.transaction > 0 && tx != 'I' && now - s.transactionNanos() > l.transaction) {
            return Verdict.TRANSACTION;
        }
        return Verdict.NONE;
    }

    private static void enforce(ClientConnection c, Limits l, boolean draining) {
        long now = Clock.now();
        Verdict v = verdict(c, now, l, draining, true);
        ServerConnection s = c.server();
        switch (v) {
            case NONE -> { }
            case CLIENT_IDLE -> c.fatal(SqlState.IDLE_SESSION_TIMEOUT, "client_idle_timeout: connection idle for "
                    + ms(now - c.lastReadNanos()) + " ms (limit " + ms(l.clientIdle) + " ms)",
                    DisconnectReason.CLIENT_IDLE_TIMEOUT);
            case IDLE_TRANSACTION -> {
                long idle = now - s.readyNanos();
                logIdleKill(c, idle, l.idleTransaction);
                c.fatal(SqlState.IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "idle_transaction_timeout: connection idle"
                        + " in a transaction for " + ms(idle) + " ms (limit " + ms(l.idleTransaction)
                        + " ms); the transaction was rolled back", DisconnectReason.IDLE_TRANSACTION_TIMEOUT);
            }
            case QUERY -> c.fatal(SqlState.QUERY_CANCELED, "query_timeout: query cancelled after running "
                    + ms(now - s.requestNanos()) + " ms (limit " + ms(l.query) + " ms)", DisconnectReason.QUERY_TIMEOUT);
            case TRANSACTION -> c.fatal(SqlState.TRANSACTION_TIMEOUT, "transaction_timeout: transaction open for "
                    + ms(now - s.transactionNanos()) + " ms (limit " + ms(l.transaction)
                    + " ms); it was rolled back", DisconnectReason.TRANSACTION_TIMEOUT);
            case SHUTDOWN -> c.fatal(SqlState.ADMIN_SHUTDOWN, SHUTDOWN_MESSAGE, DisconnectReason.SHUTDOWN);
        }
    }

    /** The one line an operator greps for to find a leaked transaction. */
    private static void logIdleKill(ClientConnection c, long idleNanos, long limitNanos) {
        ClientSession cs = c.session();
        InetSocketAddress a = cs.address();
        log.warn("idle_transaction_timeout: closed client {} user={} database={} application_name={} address={}"
                        + " idle in transaction {} ms (limit {} ms); last statement: {}", cs.id(), cs.user(),
                cs.database(), cs.applicationName(), a == null ? "?" : a.getAddress().getHostAddress() + ":" + a.getPort(),
                ms(idleNanos), ms(limitNanos), c.lastStatementText());
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
