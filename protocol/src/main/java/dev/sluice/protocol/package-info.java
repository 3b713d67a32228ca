/**
 * PostgreSQL v3 wire format: framing helpers, message type codes and the few typed messages the
 * pooler must read or write (startup, authentication, status, errors, admin console output).
 *
 * <p>Everything else is forwarded as an opaque frame by the proxy, so this package stays small.
 *
 * <p><b>Buffer ownership.</b> No class here keeps a {@link io.netty.buffer.ByteBuf}. Every
 * {@code decode(ByteBuf body)} reads from a buffer the caller owns and returns plain Java values
 * (Strings, byte arrays), so the caller releases the body as soon as decoding returns. Every
 * {@code encode(ByteBuf out)} appends one complete message (type byte and length included) to a
 * buffer the caller owns and then hands to {@code write()}. {@link dev.sluice.protocol.StartupDecoder}
 * follows the same rule: it emits only plain values and never retains its input.
 *
 * <p>Decoding failures throw {@link dev.sluice.protocol.ProtocolException} carrying the SQLSTATE
 * to report; inside a Netty pipeline it arrives wrapped in a {@code DecoderException}, see
 * {@link dev.sluice.protocol.ProtocolException#find(Throwable)}.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message Formats</a>
 */
package dev.sluice.protocol;
