// Tiny blocking PostgreSQL wire-protocol client for byte-level tests, deliberately independent of production code.
package dev.sluice.proxy.testkit;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Speaks protocol 3.0 over a plain {@link Socket}, so tests can check exactly what a server (or the pooler)
 * sends and receives. It shares no code with dev.sluice.protocol on purpose: a bug there must not be mirrored
 * here and cancel out. Every read has a socket timeout (10 s by default) so a broken server fails a test
 * instead of hanging the build.
 */
public final class PgWireClient implements AutoCloseable {

    public static final int PROTOCOL_3_0 = 196608;
    public static final int SSL_REQUEST_CODE = 80877103;
    public static final int CANCEL_REQUEST_CODE = 80877102;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private int backendPid;
    private int backendSecret;

    /** A backend message: its type byte and its body (length word stripped). */
    public record Message(char type, byte[] body) {

        /** A field of an ErrorResponse ('E') or NoticeResponse ('N'), e.g. 'C' code, 'M' message, 'S' severity. */
        public String field(char code) {
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char f = (char) body[i++];
                int end = i;
                while (body[end] != 0) {
                    end++;
                }
                if (f == code) {
                    return new String(body, i, end - i, StandardCharsets.UTF_8);
                }
                i = end + 1;
            }
            return null;
        }

        public String errorCode() {
            requireType('E', 'N');
            return field('C');
        }

        public String errorMessage() {
            requireType('E', 'N');
            return field('M');
        }

        /** ReadyForQuery status: 'I' idle, 'T' in transaction, 'E' failed transaction. */
        public char txStatus() {
            requireType('Z');
            return (char) body[0];
        }

        /** DataRow columns as text (null for SQL NULL); assumes text format, the default. */
        public List<String> dataRowText() {
            requireType('D');
            ByteBuffer b = ByteBuffer.wrap(body);
            int n = b.getShort() & 0xFFFF;
            List<String> cols = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int len = b.getInt();
                if (len < 0) {
                    cols.add(null);
                } else {
                    cols.add(new String(body, b.position(), len, StandardCharsets.UTF_8));
                    b.position(b.position() + len);
                }
            }
            return cols;
        }

        /** CommandComplete tag, e.g. "SELECT 1". */
        public String commandTag() {
            requireType('C');
            return new String(body, 0, body.length - 1, StandardCharsets.UTF_8);
        }

        /** Authentication request code for 'R' (0 ok, 3 cleartext, 5 md5, 10 SASL, 11 continue, 12 final). */
        public int authCode() {
            requireType('R');
            return ByteBuffer.wrap(body).getInt();
        }

        private void requireType(char... types) {
            for (char t : types) {
                if (type == t) {
                    return;
                }
            }
            throw new IllegalStateException("not a '" + new String(types) + "' message: " + this);
        }

        @Override
        public String toString() {
            if (type == 'E' || type == 'N') {
                return type + "[" + field('S') + " " + field('C') + " " + field('M') + "]";
            }
            return type + "[" + body.length + " bytes]";
        }
    }

    /** An ErrorResponse turned into an exception by the convenience methods. */
    public static final class PgError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Message error;

        public PgError(Message error) {
            super(error.errorCode() + ": " + error.errorMessage());
            this.error = error;
        }

        public String code() {
            return error.errorCode();
        }

        public Message message() {
            return error;
        }
    }

    private PgWireClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = new BufferedOutputStream(socket.getOutputStream());
    }

    /** Wraps a socket already connected (and, e.g., already TLS-handshaken), for direct-TLS tests. */
    public static PgWireClient over(Socket connected) {
        try {
            connected.setSoTimeout((int) DEFAULT_TIMEOUT.toMillis());
            return new PgWireClient(connected);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PgWireClient connect(String host, int port) {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), (int) DEFAULT_TIMEOUT.toMillis());
            s.setSoTimeout((int) DEFAULT_TIMEOUT.toMillis());
            return new PgWireClient(s);
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Already failing; the connect error is the one that matters.
            }
            throw new UncheckedIOException("connect " + host + ":" + port, e);
        }
    }

    public void setTimeout(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Socket socket() {
        return socket;
    }

    /** ParameterStatus values received during login. */
    public Map<String, String> parameters() {
        return parameters;
    }

    public int backendPid() {
        return backendPid;
    }

    public int backendSecret() {
        return backendSecret;
    }

    // ---- sending -------------------------------------------------------------------------------------------

    public void sendRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void sendStartup(Map<String, String> params) {
        sendRaw(startupPacket(params));
    }

    /** A whole StartupMessage (protocol 3.0) with {@code params}, as bytes. */
    public static byte[] startupPacket(Map<String, String> params) {
        ByteArrayOutputStream kv = new ByteArrayOutputStream();
        params.forEach((k, v) -> {
            cstring(kv, k);
            cstring(kv, v);
        });
        kv.write(0);
        byte[] body = kv.toByteArray();
        return ByteBuffer.allocate(8 + body.length).putInt(8 + body.length).putInt(PROTOCOL_3_0).put(body).array();
    }

    public void sendSslRequest() {
        sendRaw(ByteBuffer.allocate(8).putInt(8).putInt(SSL_REQUEST_CODE).array());
    }

    public void sendCancelRequest(int pid, int secret) {
        sendRaw(ByteBuffer.allocate(16).putInt(16).putInt(CANCEL_REQUEST_CODE).putInt(pid).putInt(secret).array());
    }

    /** One byte, e.g. the 'S'/'N' answer to an SSLRequest; -1 at end of stream. */
    public int readByte() {
        try {
            return in.read();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void sendMessage(char type, byte[] body) {
        sendRaw(ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array());
    }

    public void query(String sql) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        cstring(b, sql);
        sendMessage('Q', b.toByteArray());
    }

    public void parse(String statement, String sql, int... paramTypeOids) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        cstring(b, statement);
        cstring(b, sql);
        int16(b, paramTypeOids.length);
        for (int oid : paramTypeOids) {
            int32(b, oid);
        }
        sendMessage('P', b.toByteArray());
    }

    /** Bind with all parameters and results in text format; a null parameter is SQL NULL. */
    public void bind(String portal, String statement, List<String> params) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        cstring(b, portal);
        cstring(b, statement);
        int16(b, 0);
        int16(b, params.size());
        for (String p : params) {
            if (p == null) {
                int32(b, -1);
            } else {
                byte[] v = p.getBytes(StandardCharsets.UTF_8);
                int32(b, v.length);
                b.writeBytes(v);
            }
        }
        int16(b, 0);
        sendMessage('B', b.toByteArray());
    }

    /** kind 'S' statement or 'P' portal. */
    public void describe(char kind, String name) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(kind);
        cstring(b, name);
        sendMessage('D', b.toByteArray());
    }

    /** kind 'S' statement or 'P' portal. */
    public void close(char kind, String name) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(kind);
        cstring(b, name);
        sendMessage('C', b.toByteArray());
    }

    public void execute(String portal, int maxRows) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        cstring(b, portal);
        int32(b, maxRows);
        sendMessage('E', b.toByteArray());
    }

    public void sync() {
        sendMessage('S', new byte[0]);
    }

    public void flush() {
        sendMessage('H', new byte[0]);
    }

    public void terminate() {
        sendMessage('X', new byte[0]);
    }

    // ---- receiving -----------------------------------------------------------------------------------------

    /** The next backend message; EOFException (unchecked-wrapped) if the peer closed. */
    public Message readMessage() {
        try {
            int type = in.read();
            if (type < 0) {
                throw new EOFException("connection closed by peer");
            }
            int len = in.readInt();
            if (len < 4 || len > 64 * 1024 * 1024) {
                throw new IOException("bad message length " + len + " for type '" + (char) type + "'");
            }
            byte[] body = new byte[len - 4];
            in.readFully(body);
            return new Message((char) type, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Messages up to and including ReadyForQuery. */
    public List<Message> readUntilReady() {
        List<Message> msgs = new ArrayList<>();
        Message m;
        do {
            m = readMessage();
            msgs.add(m);
        } while (m.type() != 'Z');
        return msgs;
    }

    /**
     * Startup plus authentication (trust, cleartext, md5 or SCRAM-SHA-256), then reads through ReadyForQuery.
     * Returns the messages after AuthenticationOk; throws {@link PgError} if the server refuses.
     */
    public List<Message> login(String user, String password, String database) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", user);
        params.put("database", database);
        sendStartup(params);
        ScramClient scram = null;
        while (true) {
            Message m = readMessage();
            if (m.type() == 'E') {
                throw new PgError(m);
            }
            if (m.type() != 'R') {
                throw new IllegalStateException("expected authentication request, got " + m);
            }
            int code = m.authCode();
            switch (code) {
                case 0 -> {
                    return finishStartup();
                }
                case 3 -> sendPassword(requirePassword(password, code));
                case 5 -> {
                    byte[] salt = java.util.Arrays.copyOfRange(m.body(), 4, 8);
                    sendPassword(md5Password(user, requirePassword(password, code), salt));
                }
                case 10 -> {
                    String mechs = new String(m.body(), 4, m.body().length - 4, StandardCharsets.UTF_8);
                    if (!List.of(mechs.split("\0")).contains("SCRAM-SHA-256")) {
                        throw new IllegalStateException("server offers no SCRAM-SHA-256: " + mechs);
                    }
                    scram = new ScramClient(requirePassword(password, code));
                    byte[] first = scram.clientFirst().getBytes(StandardCharsets.UTF_8);
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    cstring(b, "SCRAM-SHA-256");
                    int32(b, first.length);
                    b.writeBytes(first);
                    sendMessage('p', b.toByteArray());
                }
                case 11 -> {
                    String serverFirst = new String(m.body(), 4, m.body().length - 4, StandardCharsets.UTF_8);
                    sendMessage('p', scramOrFail(scram).clientFinal(serverFirst).getBytes(StandardCharsets.UTF_8));
                }
                case 12 -> {
                    String serverFinal = new String(m.body(), 4, m.body().length - 4, StandardCharsets.UTF_8);
                    scramOrFail(scram).verifyServerFinal(serverFinal);
                }
                default -> throw new IllegalStateException("unsupported authentication request " + code);
            }
        }
    }

    private List<Message> finishStartup() {
        List<Message> msgs = readUntilReady();
        for (Message m : msgs) {
            switch (m.type()) {
                case 'E' -> throw new PgError(m);
                case 'S' -> {
                    String[] kv = new String(m.body(), StandardCharsets.UTF_8).split("\0");
                    parameters.put(kv[0], kv.length > 1 ? kv[1] : "");
                }
                case 'K' -> {
                    ByteBuffer b = ByteBuffer.wrap(m.body());
                    backendPid = b.getInt();
                    backendSecret = b.getInt();
                }
                default -> {
                    // NoticeResponse and ReadyForQuery need no bookkeeping.
                }
            }
        }
        return msgs;
    }

    /** Simple query; rows of all result sets as text. Throws {@link PgError} on an ErrorResponse (after ReadyForQuery). */
    public List<List<String>> simpleQuery(String sql) {
        query(sql);
        List<List<String>> rows = new ArrayList<>();
        Message error = null;
        for (Message m : readUntilReady()) {
            if (m.type() == 'D') {
                rows.add(m.dataRowText());
            } else if (m.type() == 'E' && error == null) {
                error = m;
            }
        }
        if (error != null) {
            throw new PgError(error);
        }
        return rows;
    }

    /**
     * True if the peer closed (EOF or reset) within {@code timeout}; messages arriving meanwhile (e.g. a FATAL
     * ErrorResponse sent before closing) are skipped. False if the connection is still open at the deadline.
     */
    public boolean isClosedByPeer(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int saved;
        try {
            saved = socket.getSoTimeout();
        } catch (SocketException e) {
            return true;
        }
        byte[] buf = new byte[8192];
        try {
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return false;
                }
                socket.setSoTimeout((int) Math.max(1, left));
                if (in.read(buf) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            // Connection reset, broken pipe or a locally closed socket all mean the peer is gone for us.
            return true;
        } finally {
            try {
                if (!socket.isClosed()) {
                    socket.setSoTimeout(saved);
                }
            } catch (SocketException ignored) {
                // Socket died meanwhile; nothing left to restore.
            }
        }
    }

    /** Closes without Terminate, like a client that crashed or lost its network. */
    public void abort() {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException e) {
            // Closing a dead socket may fail; it is closed either way.
        }
    }

    /** Sends Terminate if the socket still looks usable, then closes. */
    @Override
    public void close() {
        if (socket.isClosed()) {
            return;
        }
        try {
            terminate();
        } catch (RuntimeException e) {
            // The peer may already be gone; closing is all that is left to do.
        }
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing useful to do about a failed close.
        }
    }

    // ---- auth helpers --------------------------------------------------------------------------------------

    private void sendPassword(String password) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        cstring(b, password);
        sendMessage('p', b.toByteArray());
    }

    private static String requirePassword(String password, int code) {
        if (password == null) {
            throw new IllegalStateException("server asked for a password (auth code " + code + ") but none was given");
        }
        return password;
    }

    private static ScramClient scramOrFail(ScramClient s) {
        if (s == null) {
            throw new IllegalStateException("SASL continue/final without SASL start");
        }
        return s;
    }

    /** "md5" + md5hex(md5hex(password + user) + salt), as in PostgreSQL's md5 method. */
    public static String md5Password(String user, String password, byte[] salt) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            String inner = HexFormat.of().formatHex(md.digest((password + user).getBytes(StandardCharsets.UTF_8)));
            md.update(inner.getBytes(StandardCharsets.US_ASCII));
            md.update(salt);
            return "md5" + HexFormat.of().formatHex(md.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 5802/7677 client side, without channel binding (gs2 header "n,,") and without SASLprep (ASCII tests). */
    static final class ScramClient {
        private final String password;
        private final String clientNonce;
        private String clientFirstBare;
        private byte[] expectedServerSignature;

        ScramClient(String password) {
            this.password = password;
            byte[] raw = new byte[18];
            new SecureRandom().nextBytes(raw);
            this.clientNonce = Base64.getEncoder().encodeToString(raw);
        }

        String clientFirst() {
            // PostgreSQL takes the user from the startup packet and ignores n= here, as libpq leaves it empty.
            clientFirstBare = "n=,r=" + clientNonce;
            return "n,," + clientFirstBare;
        }

        String clientFinal(String serverFirst) {
            Map<Character, String> attrs = attributes(serverFirst);
            String nonce = attrs.get('r');
            if (nonce == null || !nonce.startsWith(clientNonce)) {
                throw new IllegalStateException("server nonce does not extend client nonce: " + serverFirst);
            }
            byte[] salt = Base64.getDecoder().decode(attrs.get('s'));
            int iterations = Integer.parseInt(attrs.get('i'));
            byte[] salted = hi(password.getBytes(StandardCharsets.UTF_8), salt, iterations);
            byte[] clientKey = hmac(salted, "Client Key");
            byte[] storedKey = sha256(clientKey);
            String withoutProof = "c=biws,r=" + nonce;
            String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
            byte[] clientSignature = hmac(storedKey, authMessage);
            byte[] proof = new byte[clientKey.length];
            for (int i = 0; i < proof.length; i++) {
                proof[i] = (byte) (clientKey[i] ^ clientSignature[i]);
            }
            expectedServerSignature = hmac(hmac(salted, "Server Key"), authMessage);
            return withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
        }

        void verifyServerFinal(String serverFinal) {
            Map<Character, String> attrs = attributes(serverFinal);
            if (attrs.containsKey('e')) {
                throw new IllegalStateException("SCRAM server error: " + attrs.get('e'));
            }
            byte[] v = Base64.getDecoder().decode(attrs.getOrDefault('v', ""));
            if (expectedServerSignature == null || !MessageDigest.isEqual(v, expectedServerSignature)) {
                throw new IllegalStateException("SCRAM server signature mismatch: server does not know the password");
            }
        }

        private static Map<Character, String> attributes(String msg) {
            Map<Character, String> m = new LinkedHashMap<>();
            for (String part : msg.split(",")) {
                if (part.length() >= 2 && part.charAt(1) == '=') {
                    m.put(part.charAt(0), part.substring(2));
                }
            }
            return m;
        }

        /** PBKDF2-HMAC-SHA-256 with one output block, written out so the math is visible. */
        private static byte[] hi(byte[] password, byte[] salt, int iterations) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(password, "HmacSHA256"));
                mac.update(salt);
                mac.update(new byte[] {0, 0, 0, 1});
                byte[] u = mac.doFinal();
                byte[] result = u.clone();
                for (int i = 1; i < iterations; i++) {
                    u = mac.doFinal(u);
                    for (int j = 0; j < result.length; j++) {
                        result[j] ^= u[j];
                    }
                }
                return result;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        private static byte[] hmac(byte[] key, String data) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        private static byte[] sha256(byte[] data) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(data);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    // ---- encoding ------------------------------------------------------------------------------------------

    private static void cstring(ByteArrayOutputStream b, String s) {
        b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        b.write(0);
    }

    private static void int16(ByteArrayOutputStream b, int v) {
        b.write((v >>> 8) & 0xFF);
        b.write(v & 0xFF);
    }

    private static void int32(ByteArrayOutputStream b, int v) {
        b.write((v >>> 24) & 0xFF);
        b.write((v >>> 16) & 0xFF);
        b.write((v >>> 8) & 0xFF);
        b.write(v & 0xFF);
    }
}
