// First handler of every client connection: a TLS ClientHello as the first byte means PostgreSQL 17 direct TLS.
package dev.sluice.proxy.tls;

import dev.sluice.config.TlsMode;
import dev.sluice.protocol.SqlState;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * A startup packet begins with its length, whose first byte is 0 for any valid packet; a TLS record begins
 * with 0x16 (handshake). The sniffer looks at that byte once and removes itself: the bytes go on to the
 * StartupDecoder, or to an SslHandler put in its place. ByteToMessageDecoder hands over what it buffered.
 */
public final class ClientTlsSniffer extends ByteToMessageDecoder {
    private static final int TLS_HANDSHAKE_RECORD = 0x16;
    private final Supplier<ClientTls> tls;
    private final Executor handshakes;

    /** @param tls read when the first bytes arrive, so a reload applies to connections accepted after it */
    public ClientTlsSniffer(Supplier<ClientTls> tls, Executor handshakes) {
        this.tls = tls;
        this.handshakes = handshakes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        if (in.getUnsignedByte(in.readerIndex()) != TLS_HANDSHAKE_RECORD) {
            ctx.pipeline().remove(this);
            return;
        }
        ClientTls current = tls.get();
        if (!current.offered()) {
            // a TLS client cannot read a plain ErrorResponse; say it in our log and close
            in.skipBytes(in.readableBytes());
            ClientTlsUpgrade.refuse(ctx.channel(), SqlState.PROTOCOL_VIOLATION, "client started a direct TLS"
                    + " handshake, but TLS is not offered (client_tls_sslmode = " + current.mode()
                    + (current.mode() == TlsMode.DISABLE ? "" : " without a certificate") + ")");
            return;
        }
        ctx.pipeline().addAfter(ctx.name(), ClientTlsUpgrade.HANDLER,
                ClientTlsUpgrade.newHandler(ctx.channel(), current, handshakes, true));
        ctx.pipeline().remove(this);
    }
}
