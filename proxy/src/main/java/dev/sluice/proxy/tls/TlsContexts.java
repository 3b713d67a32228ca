// The current TLS setup for both sides, swappable at run time, and the executor TLS handshakes compute on.
package dev.sluice.proxy.tls;

import dev.sluice.config.SluiceConfig;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read at accept and connect time: a reload builds new contexts from the files and swaps them in; connections
 * already open keep theirs and are not dropped. The handshake executor runs the JDK engine's delegated tasks
 * (key exchange, signatures, certificate checks), so a burst of handshakes does not stall relaying on the loops.
 */
public final class TlsContexts implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);

    private final AtomicReference<ClientTls> client = new AtomicReference<>();
    private final AtomicReference<ServerTls> server = new AtomicReference<>();
    private final ExecutorService handshakes;

    private TlsContexts(ClientTls c, ServerTls s) {
        client.set(c);
        server.set(s);
        handshakes = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("sluice-tls", true));
    }

    /**
     * Loads both sides from {@code cfg}.
     *
     * @throws TlsConfigException naming the setting and file that could not be used
     */
    public static TlsContexts load(SluiceConfig cfg) {
        return new TlsContexts(TlsSetup.client(cfg), TlsSetup.server(cfg));
    }

    public ClientTls client() {
        return client.get();
    }

    public ServerTls server() {
        return server.get();
    }

    /** Where SslHandlers run their handshake computations. */
    public ExecutorService handshakeExecutor() {
        return handshakes;
    }

    /**
     * Builds contexts from the files and settings in {@code cfg} (after a certificate rotation, or with a
     * reloaded config) and returns the action that swaps them in; both sides are built before either is
     * swapped, so a failure changes nothing.
     *
     * @throws TlsConfigException when a file or setting cannot be used; the running contexts stay
     */
    public Runnable prepare(SluiceConfig cfg) {
        ClientTls c = TlsSetup.client(cfg);
        ServerTls s = TlsSetup.server(cfg);
        return () -> {
            client.set(c);
            server.set(s);
            log.info("TLS (re)loaded: client_tls_sslmode={}{}, server_tls_sslmode={}", c.mode(),
                    c.offered() ? "" : " (not offered)", s.mode());
        };
    }

    @Override
    public void close() {
        handshakes.shutdownNow();
    }
}
