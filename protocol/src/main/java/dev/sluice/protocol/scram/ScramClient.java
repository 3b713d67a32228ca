// Client side of SCRAM-SHA-256: the pooler logs in to PostgreSQL with a password or pass-through keys.
package dev.sluice.protocol.scram;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * One SCRAM-SHA-256 exchange as the client (RFC 5802 section 3). Without {@link #channelBinding}
 * the gs2 header is "n,,"; over TLS it is "y,," (we could bind, the server did not offer it) or
 * "p=tls-server-end-point,," with the server certificate's hash (SCRAM-SHA-256-PLUS).
 * The user name in the message is left empty because PostgreSQL takes it from the StartupMessage.
 * Every failure caused by the server (malformed reply, nonce or signature mismatch, "e=")
 * throws {@link ScramException}.
 */
public final class ScramClient {
    private enum State {
        /** client-first-message not built yet or sent, waiting for server-first-message. */
        INITIAL,
        /** client-final-message sent, waiting for server-final-message. */
        FINAL_SENT,
        /** Server signature verified. */
        DONE,
        /** Any failure. */
        FAILED
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String password;
    private final ScramKeys passThroughKeys;
    private final String clientFirstBare;
    private final String clientNonce;
    private State state = State.INITIAL;
    private ScramKeys keys;
    private String authMessage;
    private String gs2Header = "n,,";
    private byte[] bindingData;

    /** Logs in with a password; PBKDF2 runs (or hits the cache) once the server sends salt and iterations. */
    public ScramClient(String password) {
        this(password, null, "", ScramCrypto.nonce(RANDOM));
    }

    /**
     * Logs in with keys recovered from a client's own SCRAM login (pass-through). The keys are only
     * valid if the server stores the same salt and iteration count the client's secret used.
     */
    public ScramClient(byte[] clientKey, byte[] serverKey) {
        this(null, ScramKeys.of(clientKey, serverKey), "", ScramCrypto.nonce(RANDOM));
    }

    /** Fixed user and nonce, for test vectors. */
    ScramClient(String password, String user, String clientNonce) {
        this(password, null, user, clientNonce);
    }

    private ScramClient(String password, ScramKeys passThroughKeys, String user, String clientNonce) {
        this.password = password;
        this.passThroughKeys = passThroughKeys;
        this.clientNonce = clientNonce;
        this.clientFirstBare = "n=" + escape(user) + ",r=" + clientNonce;
    }

    /**
     * Sets the gs2 header before {@link #clientFirstMessage}: {@code tls} false gives "n", true with
     * {@code tlsServerEndPoint} null gives "y", true with data gives "p=tls-server-end-point", for
     * which the caller must send mechanism {@link #mechanism()} (SCRAM-SHA-256-PLUS).
     */
    public ScramClient channelBinding(boolean tls, byte[] tlsServerEndPoint) {
        expect(State.INITIAL);
        bindingData = tls && tlsServerEndPoint != null ? tlsServerEndPoint.clone() : null;
        gs2Header = !tls ? "n,," : bindingData == null ? "y,," : "p=" + ChannelBinding.TLS_SERVER_END_POINT + ",,";
        return this;
    }

    /** The SASL mechanism name matching the gs2 header. */
    public String mechanism() {
        return bindingData != null ? "SCRAM-SHA-256-PLUS" : "SCRAM-SHA-256";
    }

    /** The client-first-message, e.g. "n,,n=,r=&lt;nonce&gt;". */
    public String clientFirstMessage() {
        return gs2Header + clientFirstBare;
    }

    /** Handles server-first-message and returns client-final-message. */
    public String handleServerFirst(String serverFirst) {
        expect(State.INITIAL);
        state = State.FAILED;
        if (serverFirst.startsWith("m=")) {
            throw new ScramException("server requires an unsupported SCRAM extension");
        }
        String[] parts = serverFirst.split(",", -1);
        if (parts.length < 3) {
            throw new ScramException("malformed SCRAM server-first-message");
        }
        String nonce = value(parts[0], 'r');
        // The server must extend our nonce; anything else means a confused or malicious peer.
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw new ScramException("invalid SCRAM response (nonce mismatch)");
        }
        byte[] salt = decode(value(parts[1], 's'));
        int iterations;
        try {
            iterations = Integer.parseInt(value(parts[2], 'i'));
        } catch (NumberFormatException e) {
            throw new ScramException("malformed SCRAM server-first-message: bad iteration count");
        }
        if (salt.length == 0 || iterations < 1) {
            throw new ScramException("malformed SCRAM server-first-message: empty salt or bad iteration count");
        }
        keys = passThroughKeys != null ? passThroughKeys : ScramKeys.derive(password, salt, iterations);
        String withoutProof = "c=" + ScramCrypto.b64(cbindInput()) + ",r=" + nonce;
        authMessage = clientFirstBare + ',' + serverFirst + ',' + withoutProof;
        byte[] clientKey = keys.clientKey();
        byte[] proof = ScramCrypto.xor(clientKey, ScramCrypto.hmac(keys.storedKey(), authMessage));
        state = State.FINAL_SENT;
        return withoutProof + ",p=" + ScramCrypto.b64(proof);
    }

    /**
     * Checks server-final-message. Verifying the server signature proves the server knows the
     * secret, so the pooler is not logging in to an impostor.
     *
     * @throws ScramException on "e=" or a signature mismatch
     */
    public void verifyServerFinal(String serverFinal) {
        expect(State.FINAL_SENT);
        state = State.FAILED;
        if (serverFinal.startsWith("e=")) {
            throw new ScramException("server rejected SCRAM authentication: " + serverFinal.substring(2));
        }
        String signature = value(serverFinal.split(",", -1)[0], 'v');
        byte[] expected = ScramCrypto.hmac(keys.serverKey(), authMessage);
        if (!MessageDigest.isEqual(decode(signature), expected)) {
            throw new ScramException("invalid SCRAM server signature");
        }
        state = State.DONE;
    }

    /** RFC 5802 cbind-input: the gs2 header, then the binding data when binding. */
    private byte[] cbindInput() {
        byte[] header = gs2Header.getBytes(StandardCharsets.US_ASCII);
        if (bindingData == null) {
            return header;
        }
        byte[] all = new byte[header.length + bindingData.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(bindingData, 0, all, header.length, bindingData.length);
        return all;
    }

    public boolean isAuthenticated() {
        return state == State.DONE;
    }

    private void expect(State expected) {
        if (state != expected) {
            throw new IllegalStateException("SCRAM client in state " + state + ", expected " + expected);
        }
    }

    /** RFC 5802 saslname escaping: ',' and '=' would otherwise break attribute parsing. */
    private static String escape(String user) {
        return user.replace("=", "=3D").replace(",", "=2C");
    }

    private static String value(String attribute, char name) {
        if (attribute.length() < 2 || attribute.charAt(0) != name || attribute.charAt(1) != '=') {
            throw new ScramException("malformed SCRAM message: expected attribute \"" + name + "\"");
        }
        return attribute.substring(2);
    }

    private static byte[] decode(String base64) {
        try {
            return ScramCrypto.unb64(base64);
        } catch (IllegalArgumentException e) {
            throw new ScramException("malformed SCRAM message: invalid Base64");
        }
    }
}
