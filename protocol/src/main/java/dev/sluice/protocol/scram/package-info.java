/**
 * Password authentication math: SCRAM-SHA-256 (RFC 5802 / RFC 7677) for both sides of the pooler,
 * and PostgreSQL's MD5 scheme. Uses only JDK crypto.
 *
 * <p>{@link dev.sluice.protocol.scram.ScramServer} verifies a client against a stored
 * {@link dev.sluice.protocol.scram.ScramSecret}; {@link dev.sluice.protocol.scram.ScramClient} logs
 * the pooler in to PostgreSQL, either from a password or from a client's recovered ClientKey
 * (pass-through). {@link dev.sluice.protocol.scram.ScramKeys} caches the slow PBKDF2 step.
 *
 * <p><b>Buffer ownership.</b> Nothing here touches a {@link io.netty.buffer.ByteBuf}: the classes
 * take and return Strings (SCRAM messages are ASCII) and byte arrays, so the proxy decodes the
 * SASL message, releases the frame, then calls into this package.
 *
 * <p>The exchange objects are single-use and not thread-safe: one per login, used from the
 * connection's event loop. {@code ScramKeys.derive} is thread-safe.
 */
package dev.sluice.protocol.scram;
