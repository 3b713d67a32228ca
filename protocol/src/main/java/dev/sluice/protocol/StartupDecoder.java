// Netty decoder for the untyped startup phase: emits one StartupPacket per length-prefixed packet.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts startup-phase packets ({@code Int32 length, body}) and decodes them into {@link StartupPacket}
 * values. Several packets may arrive in sequence (SSLRequest, then after the TLS handshake a
 * StartupMessage), so the decoder stays until the proxy removes it after a StartupMessage; any
 * bytes already received behind that packet are then handed to the next handler by
 * ByteToMessageDecoder's removal logic.
 *
 * <p>Ownership: the emitted packets are plain Java values; the decoder never retains or slices
 * its input beyond the call, so nothing downstream has to release them.
 */
public final class StartupDecoder extends ByteToMessageDecoder {

    private enum State {
        /** Waiting for (the rest of) a packet. */
        READ_PACKET,
        /** A packet was invalid; every further byte is discarded while the proxy closes the channel. */
        BAD_MESSAGE
    }

    private State state = State.READ_PACKET;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == State.BAD_MESSAGE) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < 4) {
            return;
        }
        int length = in.getInt(in.readerIndex());
        // Checked before waiting for the body so a bogus length cannot make us buffer it.
        if (length < 8 || length > Wire.MAX_STARTUP_PACKET) {
            fail(in);
            throw new ProtocolException("invalid startup packet length " + length
                    + " (expected: 8.." + Wire.MAX_STARTUP_PACKET + ")");
        }
        if (in.readableBytes() < length) {
            return;
        }
        // The slice is only read by decode(), which copies what it needs into Strings.
        ByteBuf body = in.slice(in.readerIndex() + 4, length - 4);
        in.skipBytes(length);
        try {
            out.add(StartupPacket.decode(body));
        } catch (RuntimeException e) {
            fail(in);
            throw e;
        }
    }

    /**
     * Bytes received but not yet decoded. After an SSLRequest the client must wait for the answer, so
     * anything here was sent in plain text ahead of the TLS handshake and must not be trusted.
     */
    public int bufferedBytes() {
        return actualReadableBytes();
    }

    private void fail(ByteBuf in) {
        state = State.BAD_MESSAGE;
        in.skipBytes(in.readableBytes());
    }
}
