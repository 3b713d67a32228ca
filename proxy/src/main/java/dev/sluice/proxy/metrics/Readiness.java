// Answers /ready: listening, not draining, and at least one backend reachable (one line saying why not).
package dev.sluice.proxy.metrics;

import dev.sluice.config.DatabaseConfig;
import dev.sluice.proxy.Proxy;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.server.Backend;
import dev.sluice.proxy.server.ProbeSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * A backend counts as reachable when a pool holds a logged-in server to it, or else when it answers an
 * SSLRequest (a real PostgreSQL reply, and unlike a bare connect it leaves no "incomplete startup packet" in
 * PostgreSQL's log). Called on the metrics thread only; results are cached for a second.
 */
public final class Readiness {
    private static final long CACHE_NANOS = 1_000_000_000L;
    private static final int PROBE_TIMEOUT_MILLIS = 1000;

    private final Proxy proxy;
    private final BooleanSupplier listening;
    private long checkedAt;
    private String reason = "not checked yet";

    public Readiness(Proxy proxy, BooleanSupplier listening) {
        this.proxy = proxy;
        this.listening = listening;
    }

    /** Null when ready, else a one-line reason. */
    public synchronized String check() {
        long now = System.nanoTime();
        if (checkedAt != 0 && now - checkedAt < CACHE_NANOS) {
            return reason;
        }
        reason = evaluate();
        checkedAt = System.nanoTime();
        return reason;
    }

    /** The last answer without probing (for the sluice_ready gauge). */
    public synchronized boolean cachedReady() {
        return checkedAt == 0 ? check() == null : reason == null;
    }

    private String evaluate() {
        if (proxy.draining()) {
            return "draining: shutting down once clients leave";
        }
        if (!listening.getAsBoolean()) {
            return "not listening for clients";
        }
        for (Pool p : proxy.pools().all()) {
            Pool.Counts c = p.counts();
            if (c.serversActive() + c.serversIdle() + c.serversUsed() > 0) {
                return null;
            }
        }
        Set<String> tried = new LinkedHashSet<>();
        for (DatabaseConfig db : proxy.config().databases().values()) {
            String hosts = db.host() != null ? db.host() : DatabaseConfig.DEFAULT_HOST;
            for (String host : hosts.split(",")) { // any host of a list that answers will do
                String address = Backend.isUnixHost(host) ? Backend.socketPath(host, db.port()) : host + ":" + db.port();
                if (tried.add(address) && answers(host, db.port())) {
                    return null;
                }
            }
        }
        return tried.isEmpty() ? "no backend configured" : "no backend reachable (tried " + String.join(", ", tried) + ")";
    }

    private static boolean answers(String host, int port) {
        try (ProbeSocket s = ProbeSocket.open(host, port, PROBE_TIMEOUT_MILLIS)) { // TCP or a unix socket
            OutputStream out = s.out();
            out.write(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f}); // SSLRequest
            out.flush();
            InputStream in = s.in();
            int b = in.read();
            return b == 'N' || b == 'S';
        } catch (IOException e) {
            return false;
        }
    }
}
