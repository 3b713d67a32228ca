// Server side of SCRAM-SHA-256: the pooler verifies a client against a stored ScramSecret.
package dev.sluice.protocol.scram;

import dev.sluice.protocol.ProtocolException;
import dev.sluice.protocol.SqlState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One SCRAM-SHA-256 exchange as the server (RFC 5802 section 3). Malformed messages, a nonce or
 * channel-binding mismatch throw {@link ProtocolException}; a wrong password throws
 * {@link ScramException}. Without {@link #channelBinding} no binding is offered, so clients may
 * send the flags 'n' or 'y' but not 'p'. With it (a TLS connection), the gs2 header is checked as
 * RFC 5802 section 6 says: SCRAM-SHA-256-PLUS needs "p=tls-server-end-point" and the matching
 * certificate hash; plain SCRAM-SHA-256 with 'y' means the client was told binding is not
 * supported although it is, a downgrade, and is refused. The user name inside the message is
 * ignored, as in PostgreSQL: the StartupMessage already named the user.
 */
public final class ScramServer {
    private enum State {
        /** Waiting for client-first-message. */
        INITIAL,
        /** server-first-message sent, waiting for client-final-message. */
        FIRST_SENT,
        /** Proof verified. */
        DONE,
        /** Any failure; the exchange cannot continue. */
        FAILED
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ScramSecret secret;
    private final String serverNonce;
    private State state = State.INITIAL;
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private byte[] clientKey;
    /** tls-server-end-point data offered on this connection, or null (no TLS). */
    private byte[] bindingData;
    /** The client chose SCRAM-SHA-256-PLUS. */
    private boolean plusSelected;

    public ScramServer(ScramSecret secret) {
        this(secret, RANDOM);
    }

    public ScramServer(ScramSecret secret, SecureRandom random) {
        this(secret, ScramCrypto.nonce(random));
    }

    /** @param nonceSource raw random bytes for the server nonce (Base64-encoded before use) */
    public ScramServer(ScramSecret secret, Supplier<byte[]> nonceSource) {
        this(secret, ScramCrypto.b64(nonceSource.get()));
    }

    /** Fixed printable nonce, for test vectors. */
    ScramServer(ScramSecret secret, String serverNonce) {
        this.secret = Objects.requireNonNull(secret);
        this.serverNonce = serverNonce;
    }

    /**
     * Declares that channel binding was offered (SCRAM-SHA-256-PLUS in AuthenticationSASL) with
     * {@code tlsServerEndPoint} as the data, and whether the client selected the -PLUS mechanism.
     * Call before {@link #handleClientFirst}.
     */
    public ScramServer channelBinding(byte[] tlsServerEndPoint, boolean plus) {
        expect(State.INITIAL);
        this.bindingData = tlsServerEndPoint == null ? null : tlsServerEndPoint.clone();
        this.plusSelected = plus && tlsServerEndPoint != null;
        return this;
    }

    /** True once a client-first-message selected channel binding and the exchange uses it. */
    public boolean bound() {
        return plusSelected;
    }

    /** Handles client-first-message and returns server-first-message. */
    public String handleClientFirst(String clientFirstMessage) {
        expect(State.INITIAL);
        state = State.FAILED;
        String[] parts = clientFirstMessage.split(",", -1);
        if (parts.length < 4) {
            throw malformed("client-first-message has too few attributes");
        }
        String flag = parts[0];
        checkBindingFlag(flag);
        if (!parts[1].isEmpty()) {
            throw new ProtocolException(SqlState.FEATURE_NOT_SUPPORTED,
                    "client uses authorization identity, but it is not supported");
        }
        if (parts[2].startsWith("m=")) {
            throw new ProtocolException(SqlState.FEATURE_NOT_SUPPORTED,
                    "client requires an unsupported SCRAM extension");
        }
        if (!parts[2].startsWith("n=")) {
            throw malformed("expected user name attribute");
        }
        String clientNonce = value(parts[3], 'r');
        if (clientNonce.isEmpty() || !isPrintable(clientNonce)) {
            throw malformed("invalid client nonce");
        }
        gs2Header = flag + ",,";
        clientFirstBare = clientFirstMessage.substring(gs2Header.length());
        nonce = clientNonce + serverNonce;
        serverFirst = "r=" + nonce + ",s=" + ScramCrypto.b64(secret.salt()) + ",i=" + secret.iterations();
        state = State.FIRST_SENT;
        return serverFirst;
    }

    /**
     * Handles client-final-message and returns server-final-message ("v=...").
     *
     * @throws ScramException when the proof does not match the stored key (wrong password)
     */
    public String handleClientFinal(String clientFinalMessage) {
        expect(State.FIRST_SENT);
        state = State.FAILED;
        String[] parts = clientFinalMessage.split(",", -1);
        if (parts.length < 3) {
            throw malformed("client-final-message has too few attributes");
        }
        byte[] channelBinding = decode(value(parts[0], 'c'));
        if (!MessageDigest.isEqual(channelBinding, expectedBinding())) {
            throw new ProtocolException("SCRAM channel binding check failed");
        }
        if (!value(parts[1], 'r').equals(nonce)) {
            throw new ProtocolException("SCRAM nonce mismatch");
        }
        byte[] proof = decode(value(parts[parts.length - 1], 'p'));
        if (proof.length != ScramCrypto.KEY_LENGTH) {
            throw malformed("invalid ClientProof length");
        }
        String withoutProof = clientFinalMessage.substring(0, clientFinalMessage.lastIndexOf(','));
        String authMessage = clientFirstBare + ',' + serverFirst + ',' + withoutProof;
        byte[] recovered = ScramCrypto.xor(proof, ScramCrypto.hmac(secret.storedKey(), authMessage));
        // Constant-time comparison: timing must not reveal how much of the proof was right.
        if (!MessageDigest.isEqual(ScramCrypto.sha256(recovered), secret.storedKey())) {
            throw new ScramException("SCRAM proof does not match: wrong password");
        }
        clientKey = recovered;
        state = State.DONE;
        return "v=" + ScramCrypto.b64(ScramCrypto.hmac(secret.serverKey(), authMessage));
    }

    /** The gs2 flag against what was offered and selected (PostgreSQL's read_client_first_message). */
    private void checkBindingFlag(String flag) {
        if (flag.startsWith("p=")) {
            if (!plusSelected) {
                throw malformed("the client selected SCRAM-SHA-256 without channel binding,"
                        + " but the SCRAM message includes channel binding data");
            }
            if (!flag.equals("p=" + ChannelBinding.TLS_SERVER_END_POINT)) {
                throw new ProtocolException(SqlState.FEATURE_NOT_SUPPORTED,
                        "unsupported SCRAM channel-binding type \"" + flag.substring(2) + "\"");
            }
            return;
        }
        if (plusSelected) {
            throw malformed("the client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include"
                    + " channel binding data");
        }
        if (flag.equals("y")) {
            if (bindingData != null) {
                // the client can bind and believes we cannot: someone removed -PLUS from our offer
                throw new ProtocolException("SCRAM channel binding negotiation error: the client supports"
                        + " channel binding but thinks the server does not; this server does support it");
            }
            return;
        }
        if (!flag.equals("n")) {
            throw malformed("unexpected channel-binding flag");
        }
    }

    /** What c= must decode to: the gs2 header, followed by the binding data when -PLUS is used. */
    private byte[] expectedBinding() {
        byte[] header = gs2Header.getBytes(StandardCharsets.US_ASCII);
        if (!plusSelected) {
            return header;
        }
        byte[] all = new byte[header.length + bindingData.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(bindingData, 0, all, header.length, bindingData.length);
        return all;
    }

    /** Whether the client proved it knows the password. */
    public boolean isAuthenticated() {
        return state == State.DONE;
    }

    /**
     * The client's ClientKey, recovered from its proof. With it (and the ServerKey) the pooler can
     * log in to PostgreSQL as the client without knowing the password.
     */
    public byte[] clientKey() {
        if (state != State.DONE) {
            throw new IllegalStateException("SCRAM exchange not completed");
        }
        return clientKey.clone();
    }

    private void expect(State expected) {
        if (state != expected) {
            throw new IllegalStateException("SCRAM server in state " + state + ", expected " + expected);
        }
    }

    private static String value(String attribute, char name) {
        if (attribute.length() < 2 || attribute.charAt(0) != name || attribute.charAt(1) != '=') {
            throw malformed("expected attribute \"" + name + "\"");
        }
        return attribute.substring(2);
    }

    private static byte[] decode(String base64) {
        try {
            return ScramCrypto.unb64(base64);
        } catch (IllegalArgumentException e) {
            throw malformed("invalid Base64");
        }
    }

    /** RFC 5802 "printable": 0x21..0x7E except ','. */
    private static boolean isPrintable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7E || c == ',') {
                return false;
            }
        }
        return true;
    }

    private static ProtocolException malformed(String why) {
        return new ProtocolException("malformed SCRAM message: " + why);
    }
}
