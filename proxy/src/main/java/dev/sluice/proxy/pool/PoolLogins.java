// What a pool's server logins use and learn: the next host, the secret, the welcome parameters, the last failure.
package dev.sluice.proxy.pool;

import dev.sluice.protocol.scram.ScramSecret;
import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.server.Backend;
import dev.sluice.proxy.server.ScramPassThrough;
import dev.sluice.proxy.server.ServerConnection;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The learned values are volatile and set once (or, for the failure, only under the monitor), so readers on any
 * loop need no lock. The monitor is the {@link Pool} object itself: the login outcomes take it ({@code
 * synchronized (pool)}) as they did when they were Pool's own synchronized methods, and {@link
 * #retryAllowedNow} is called with it held.
 */
final class PoolLogins {
    private final Pool pool;
    private final Backend backend;
    private final List<String> hosts;
    private final AtomicInteger hostCursor = new AtomicInteger();
    /** Server ParameterStatus values from the first login: what a new client is told at its own login. */
    private volatile Map<String, String> welcome;
    private volatile ScramPassThrough passThrough;
    private volatile String learnedSecret;
    private volatile ConnectFailure lastFailure;
    /** Connect or login failures since the last success: the exponent of the reconnect backoff. */
    private int failuresInARow;

    PoolLogins(Pool pool, Backend backend) {
        this.pool = pool;
        this.backend = backend;
        this.hosts = backend.hosts();
    }

    /** See {@link Pool#nextBackend}. */
    Backend nextBackend() {
        if (hosts.size() == 1) {
            return backend;
        }
        return backend.onHost(hosts.get(Math.floorMod(hostCursor.getAndIncrement(), hosts.size())));
    }

    Map<String, String> welcome() {
        return welcome;
    }

    void welcome(Map<String, String> params) {
        if (welcome == null) {
            welcome = Map.copyOf(params);
        }
    }

    /**
     * SCRAM pass-through: a client of the backend's own user proved it knows the password behind the stored
     * verifier; its ClientKey (with the verifier's ServerKey) lets servers log in without a plain password.
     */
    void scramPassThrough(String clientUser, String secret, byte[] clientKey) {
        if (passThrough == null && clientUser.equals(backend.user()) && secret != null
                && ScramSecret.isScramSecret(secret)) {
            passThrough = new ScramPassThrough(clientKey, ScramSecret.parse(secret).serverKey());
        }
    }

    ScramPassThrough passThrough() {
        return passThrough;
    }

    /**
     * auth_query found the secret of this pool's backend user (not in the auth_file): servers log in with it
     * (an md5 hash works for md5 auth; a SCRAM verifier needs the pass-through keys a client login lends).
     */
    void learnedSecret(String clientUser, String secret) {
        if (backend.secret() == null && clientUser.equals(backend.user())) {
            learnedSecret = secret;
        }
    }

    /** See {@link Pool#serverSecret}. */
    String serverSecret() {
        return backend.secret() != null ? backend.secret() : learnedSecret;
    }

    ConnectFailure lastFailure() {
        return lastFailure;
    }

    /** False while the backoff after a failed login lasts (server_login_retry); monitor held. */
    boolean retryAllowedNow() {
        return lastFailure == null || lastFailure.retryAllowed(System.nanoTime());
    }

    /** See {@link Pool#loginFailed}. */
    void loginFailed(ServerConnection s, String sqlState, String message) {
        List<ClientConnection> failed = new ArrayList<>();
        ConnectFailure failure;
        synchronized (pool) {
            failuresInARow++;
            failure = new ConnectFailure(sqlState, message,
                    System.nanoTime() + Backoff.delayNanos(failuresInARow, pool.settings().serverLoginRetryNanos()));
            lastFailure = failure;
            pool.stats().connectFailures++;
            if (s.state() != ServerState.CLOSED) {
                pool.lists.changeState(s, ServerState.CLOSED);
                pool.limits.serverClosed();
            }
            if (pool.lists.total() == 0) { // no server is left in any list that could serve the waiters
                for (ArrayDeque<ClientConnection> q : pool.lists.waiting) {
                    failed.addAll(q);
                }
                for (ClientConnection c : failed) {
                    pool.lists.changeState(c, ClientState.IDLE);
                }
            }
        }
        for (ClientConnection c : failed) {
            c.failFromPool(failure.sqlState(), failure.clientMessage(), DisconnectReason.SERVER_LOGIN_FAILED);
        }
    }

    /** See {@link Pool#loginSucceeded}. */
    void loginSucceeded() {
        synchronized (pool) {
            lastFailure = null;
            failuresInARow = 0;
        }
    }
}
