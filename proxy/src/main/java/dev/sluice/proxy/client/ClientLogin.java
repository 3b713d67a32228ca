// Authenticates a client to Sluice itself: trust, plain, md5, SCRAM-SHA-256(-PLUS) or a TLS client certificate.
package dev.sluice.proxy.client;

import dev.sluice.config.AuthType;
import dev.sluice.protocol.AuthenticationCleartextPassword;
import dev.sluice.protocol.AuthenticationMd5Password;
import dev.sluice.protocol.AuthenticationSasl;
import dev.sluice.protocol.AuthenticationSaslContinue;
import dev.sluice.protocol.AuthenticationSaslFinal;
import dev.sluice.protocol.PasswordMessage;
import dev.sluice.protocol.ProtocolException;
import dev.sluice.protocol.SaslInitialResponse;
import dev.sluice.protocol.SaslResponse;
import dev.sluice.protocol.SqlState;
import dev.sluice.protocol.scram.Md5Password;
import dev.sluice.protocol.scram.ScramSecret;
import dev.sluice.protocol.scram.ScramServer;
import dev.sluice.proxy.tls.ClientTlsUpgrade;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.List;

/**
 * A user unknown to Sluice goes through the same exchange as a known one and fails at the same step, so
 * the answer does not reveal which user names exist.
 */
final class ClientLogin {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a password message led to. */
    enum Step { CONTINUE, DONE }

    /** The client failed to authenticate. */
    static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;
        final String sqlState;

        Failed(String sqlState, String message) {
            super(message, null, false, false);
            this.sqlState = sqlState;
        }
    }

    private enum Method { TRUST, PLAIN, MD5, SCRAM, CERT }

    private final String user;
    private final String secret;
    private final Method method;
    private final ScramVerifiers verifiers;
    private byte[] md5Salt;
    private ScramServer scram;
    private boolean scramFirstDone;
    private byte[] scramClientKey;
    /** tls-server-end-point data when SCRAM-SHA-256-PLUS was offered. */
    private byte[] endPoint;

    /** @param secret the auth_file secret, or null when the user is unknown */
    ClientLogin(AuthType type, String user, String secret, ScramVerifiers verifiers) {
        this.user = user;
        this.secret = secret;
        this.verifiers = verifiers;
        this.method = switch (type) {
            case TRUST, ANY -> Method.TRUST;
            case PLAIN -> Method.PLAIN;
            // as PostgreSQL does: md5 auth with a SCRAM secret runs SCRAM
            case MD5 -> secret != null && ScramSecret.isScramSecret(secret) ? Method.SCRAM : Method.MD5;
            case SCRAM_SHA_256 -> Method.SCRAM;
            case CERT -> Method.CERT;
            // resolved per client by ClientSession before a login starts; never reaches here
            case HBA -> throw new IllegalArgumentException("auth_type hba must be resolved by the hba rules first");
        };
    }

    /** Sends the first authentication request; returns true when none is needed (trust). */
    boolean start(Channel ch, AuthType type) throws Failed {
        if (method == Method.TRUST) {
            if (type == AuthType.TRUST && secret == null) {
                throw new Failed(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                        "no such user: \"" + user + "\" is not in the auth_file");
            }
            return true;
        }
        if (method == Method.CERT) {
            checkCertificate(ch);
            return true;
        }
        ByteBuf out = ch.alloc().buffer(48);
        switch (method) {
            case PLAIN -> AuthenticationCleartextPassword.INSTANCE.encode(out);
            case MD5 -> {
                md5Salt = new byte[4];
                RANDOM.nextBytes(md5Salt);
                new AuthenticationMd5Password(md5Salt).encode(out);
            }
            default -> {
                // as PostgreSQL: -PLUS first, and only on TLS where our certificate's hash is known
                endPoint = ClientTlsUpgrade.endPoint(ch);
                new AuthenticationSasl(endPoint != null
                        ? List.of(AuthenticationSasl.SCRAM_SHA_256_PLUS, AuthenticationSasl.SCRAM_SHA_256)
                        : List.of(AuthenticationSasl.SCRAM_SHA_256)).encode(out);
            }
        }
        ch.writeAndFlush(out, ch.voidPromise());
        return false;
    }

    /** Handles a 'p' message body. */
    Step onPasswordMessage(Channel ch, ByteBuf body) throws Failed {
        switch (method) {
            case PLAIN -> {
                checkPlain(PasswordMessage.decode(body).password());
                return Step.DONE;
            }
            case MD5 -> {
                String response = PasswordMessage.decode(body).password();
                if (secret == null || ScramSecret.isScramSecret(secret)
                        || !Md5Password.verify(secret, user, md5Salt, response)) {
                    throw passwordFailed();
                }
                return Step.DONE;
            }
            case SCRAM -> {
                return scramStep(ch, body);
            }
            default -> throw new ProtocolException(SqlState.PROTOCOL_VIOLATION, "unexpected password message");
        }
    }

    /** The ClientKey recovered from a SCRAM login, for logging in to PostgreSQL without a stored password. */
    byte[] scramClientKey() {
        return scramClientKey;
    }

    private Step scramStep(Channel ch, ByteBuf body) throws Failed {
        ByteBuf out = ch.alloc().buffer(128);
        try {
            if (!scramFirstDone) {
                SaslInitialResponse first = SaslInitialResponse.decode(body);
                boolean plus = endPoint != null && AuthenticationSasl.SCRAM_SHA_256_PLUS.equals(first.mechanism());
                if (!plus && !AuthenticationSasl.SCRAM_SHA_256.equals(first.mechanism())) {
                    throw new ProtocolException(SqlState.PROTOCOL_VIOLATION,
                            "client selected an invalid SASL authentication mechanism: " + first.mechanism());
                }
                scram = new ScramServer(scramSecret()).channelBinding(endPoint, plus);
                String reply = scram.handleClientFirst(new String(first.data(), StandardCharsets.UTF_8));
                AuthenticationSaslContinue.of(reply).encode(out);
                scramFirstDone = true;
                ch.writeAndFlush(out.retain(), ch.voidPromise());
                return Step.CONTINUE;
            }
            String fin;
            try {
                fin = scram.handleClientFinal(new String(SaslResponse.decode(body).data(), StandardCharsets.UTF_8));
            } catch (dev.sluice.protocol.scram.ScramException e) {
                throw passwordFailed();
            }
            if (secret == null || (method == Method.SCRAM && Md5Password.isMd5Secret(secret))) {
                throw passwordFailed();
            }
            scramClientKey = scram.clientKey();
            AuthenticationSaslFinal.of(fin).encode(out);
            ch.write(out.retain(), ch.voidPromise());
            return Step.DONE;
        } finally {
            out.release();
        }
    }

    /** The verifier to check against; unknown users and md5 secrets get a random one that no proof matches. */
    private ScramSecret scramSecret() {
        if (secret == null || Md5Password.isMd5Secret(secret)) {
            return verifiers.decoy();
        }
        return secret.startsWith(ScramSecret.PREFIX) ? verifiers.forStored(secret) : verifiers.forPlain(user, secret);
    }

    private void checkPlain(String password) throws Failed {
        boolean ok;
        if (secret == null) {
            ok = false;
        } else if (ScramSecret.isScramSecret(secret)) {
            ScramSecret stored = ScramSecret.parse(secret);
            ok = ScramSecret.fromPassword(password, stored.salt(), stored.iterations()).equals(stored);
        } else if (Md5Password.isMd5Secret(secret)) {
            ok = constantTimeEquals(Md5Password.encode(user, password), secret);
        } else {
            ok = constantTimeEquals(password, secret);
        }
        if (!ok) {
            throw passwordFailed();
        }
    }

    /** auth_type cert: the verified client certificate's CN must be the user name (as PgBouncer and PostgreSQL). */
    private void checkCertificate(Channel ch) throws Failed {
        String cn = ClientTlsUpgrade.peerCommonName(ch);
        if (cn == null) {
            throw new Failed(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "certificate authentication failed for user \""
                    + user + "\": connect with TLS and a client certificate signed by client_tls_ca_file");
        }
        if (!cn.equals(user)) {
            throw new Failed(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "certificate authentication failed for user \""
                    + user + "\": the certificate is for \"" + cn + "\"");
        }
    }

    private Failed passwordFailed() {
        return new Failed(SqlState.INVALID_PASSWORD, "password authentication failed for user \"" + user + "\"");
    }

    private static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
