// Graceful shutdown: stop accepting, report not ready, close each client at its transaction boundary, then exit.
package dev.sluice.proxy;

import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.client.Lifecycle;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.pool.Pool;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Started by SIGTERM/SIGINT (Main) or the admin console's SHUTDOWN. While draining, clients between
 * transactions are closed with 57P01 by the janitor and a client starting a transaction is refused with 57P01;
 * one inside a transaction finishes it first. {@link #done()} completes when no client is left, at
 * shutdown_timeout (after closing whoever remains), or at once for an immediate shutdown.
 */
public final class Drain {
    private static final Logger log = LoggerFactory.getLogger(Drain.class);
    private final Proxy proxy;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile boolean draining;
    private volatile long deadlineNanos;
    private volatile Runnable stopAccepting = () -> { };
    /** Janitor thread only: the remaining clients were told at shutdown_timeout. */
    private boolean forced;

    Drain(Proxy proxy) {
        this.proxy = proxy;
    }

    /** What stops new connections (closing the listening socket); set by the server at start. */
    void onStopAccepting(Runnable r) {
        stopAccepting = r;
    }

    /**
     * Begins the shutdown; idempotent. {@code waitForClients} false (or a second call with it false) ends it now:
     * every client is told 57P01 and {@link #done()} completes.
     */
    public synchronized void start(boolean waitForClients) {
        if (!draining) {
            draining = true;
            deadlineNanos = System.nanoTime() + proxy.config().shutdownTimeout().toNanos();
            stopAccepting.run();
            log.info("shutting down: not accepting connections; {} clients may finish their transactions"
                    + " (shutdown_timeout={} s); signal again to exit at once", proxy.clientCount(),
                    proxy.config().shutdownTimeout().toSeconds());
        }
        if (!waitForClients && !done.isDone()) {
            log.info("shutting down now: closing {} clients", proxy.clientCount());
            terminateAll(DisconnectReason.SHUTDOWN);
            done.complete(null);
        }
    }

    public boolean draining() {
        return draining;
    }

    /** Completes when Sluice may stop its event loops. */
    public CompletableFuture<Void> done() {
        return done;
    }

    /** Janitor tick. */
    void tick(long now) {
        if (!draining || done.isDone()) {
            return;
        }
        if (proxy.clientCount() == 0 && proxy.loggingIn().isEmpty()) {
            log.info("shutting down: all clients have left");
            done.complete(null);
        } else if (now - deadlineNanos > 0) {
            if (forced) {
                done.complete(null); // one tick for the 57P01s to be written
                return;
            }
            forced = true;
            log.warn("shutdown_timeout reached: closing {} clients still connected", proxy.clientCount());
            terminateAll(DisconnectReason.SHUTDOWN_TIMEOUT);
        }
    }

    private void terminateAll(DisconnectReason reason) {
        for (Pool pool : proxy.pools().all()) {
            for (ClientConnection c : pool.clientList()) {
                Lifecycle.terminate(c, reason);
            }
        }
        for (ClientConnection c : proxy.loggingIn().keySet()) {
            Lifecycle.terminate(c, reason);
        }
    }
}
