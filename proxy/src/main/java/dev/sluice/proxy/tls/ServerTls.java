// What the PostgreSQL-facing TLS setup is at one moment: sslmode and the client-mode context.
package dev.sluice.proxy.tls;

import dev.sluice.config.TlsMode;
import io.netty.handler.ssl.SslContext;

/** Immutable, swapped whole on reload; {@code context} is null for sslmode disable. */
public record ServerTls(TlsMode mode, SslContext context) {
    /** An SSLRequest is sent before the StartupMessage. */
    public boolean attempted() {
        return context != null;
    }

    /** A backend answering 'N' is refused. */
    public boolean required() {
        return mode.atLeast(TlsMode.REQUIRE);
    }
}
