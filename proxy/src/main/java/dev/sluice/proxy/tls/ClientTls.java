// What the client-facing TLS setup is at one moment: mode, context and the certificate's channel-binding hash.
package dev.sluice.proxy.tls;

import dev.sluice.config.TlsMode;
import io.netty.handler.ssl.SslContext;

/**
 * Immutable; a reload replaces the whole record, and a connection keeps the one it was accepted with, so its
 * channel-binding data always matches the certificate its handshake used.
 *
 * @param context null when TLS is not offered (sslmode disable, or allow/prefer without a certificate)
 * @param endPoint tls-server-end-point data of our certificate, or null when it cannot be computed
 */
public record ClientTls(TlsMode mode, SslContext context, byte[] endPoint) {
    static ClientTls off(TlsMode mode) {
        return new ClientTls(mode, null, null);
    }

    /** SSLRequest is answered 'S' and direct TLS accepted. */
    public boolean offered() {
        return context != null;
    }

    /** A login without TLS is refused (require, verify-ca, verify-full). */
    public boolean required() {
        return mode.atLeast(TlsMode.REQUIRE);
    }
}
