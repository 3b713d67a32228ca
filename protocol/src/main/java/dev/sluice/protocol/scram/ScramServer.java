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
 * {@link ScramException}. Channel binding ("-PLUS") is not offered, so clients may send the
 * flags 'n' or 'y' but not 'p'. The user name inside the message is ignored, as in PostgreSQL:
 * the StartupMessage already named the user.
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

    /** Handles client-first-message and returns server-first-message. */
    public String handleClientFirst(String clientFirstMessage) {
        expect(State.INITIAL);
        state = State.FAILED;
        String[] parts = clientFirstMessage.split(",", -1);
        if (parts.length < 4) {
            throw malformed("client-first-message has too few attributes");
        }
        String flag = parts[0];
        if (flag.startsWith("p=")) {
            throw malformed("the client selected SCRAM-SHA-256 without channel binding,"
                    + " but the SCRAM message includes channel binding data");
        }
        if (!flag.equals("n") && !flag.equals("y")) {
            throw malformed("unexpected channel-binding flag");
        }
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
        if (!MessageDigest.isEqual(channelBinding, gs2Header.getBytes(StandardCharsets.US_ASCII))) {
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
