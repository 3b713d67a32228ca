// A small blocking PostgreSQL client on a plain socket, for `sluice check` and auth_query: never on an event loop.
package dev.sluice.proxy.server;

import dev.sluice.protocol.Authentication;
import dev.sluice.protocol.AuthenticationCleartextPassword;
import dev.sluice.protocol.AuthenticationMd5Password;
import dev.sluice.protocol.AuthenticationOk;
import dev.sluice.protocol.AuthenticationSasl;
import dev.sluice.protocol.AuthenticationSaslContinue;
import dev.sluice.protocol.AuthenticationSaslFinal;
import dev.sluice.protocol.DataRow;
import dev.sluice.protocol.ErrorResponse;
import dev.sluice.protocol.Parse;
import dev.sluice.protocol.PasswordMessage;
import dev.sluice.protocol.Query;
import dev.sluice.protocol.SaslInitialResponse;
import dev.sluice.protocol.SaslResponse;
import dev.sluice.protocol.StartupMessage;
import dev.sluice.protocol.Sync;
import dev.sluice.protocol.Terminate;
import dev.sluice.protocol.Wire;
import dev.sluice.protocol.scram.Md5Password;
import dev.sluice.protocol.scram.ScramClient;
import dev.sluice.protocol.scram.ScramException;
import dev.sluice.protocol.scram.ScramSecret;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sluice's own protocol and SCRAM code over a blocking socket rather than pgjdbc: the jar stays free of a
 * second protocol implementation, and the login speaks exactly what the pooler speaks (including SCRAM
 * pass-through keys). Single-threaded use only; every call may block up to the socket timeout.
 */
public final class PgProbe implements AutoCloseable {
    /** The server refused something; {@code sqlState} is its code (or Sluice's for protocol trouble). */
    public static final class ProbeException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String sqlState;

        public ProbeException(String sqlState, String message) {
            super(message);
            this.sqlState = sqlState;
        }

        public String sqlState() {
            return sqlState;
        }
    }

    private final ProbeSocket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private PgProbe(ProbeSocket socket) {
        this.socket = socket;
        this.in = new DataInputStream(new java.io.BufferedInputStream(socket.in()));
        this.out = socket.out();
    }

    /**
     * Connects and logs in.
     *
     * @param secret plain password, md5 secret, or null (trust); a SCRAM verifier needs {@code keys}
     * @param keys SCRAM pass-through keys, or null
     * @throws IOException when the server cannot be reached or the connection breaks
     * @throws ProbeException when the server refuses the login
     */
    public static PgProbe connect(String host, int port, String database, String user, String secret,
            ScramPassThrough keys, int timeoutMillis) throws IOException, ProbeException {
        ProbeSocket s = ProbeSocket.open(host, port, timeoutMillis); // host may be a unix socket directory
        try {
            PgProbe p = new PgProbe(s);
            p.login(database, user, secret, keys);
            return p;
        } catch (IOException | ProbeException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Runs one simple query; returns its rows as text (null for SQL NULL). */
    public List<List<String>> query(String sql) throws IOException, ProbeException {
        send(buf -> new Query(sql).encode(buf));
        return rows();
    }

    /** Runs {@code sql} with one text parameter $1 through the extended protocol (no quoting of user input). */
    public List<List<String>> query(String sql, String param) throws IOException, ProbeException {
        send(buf -> {
            new Parse("", sql, new int[0]).encode(buf);
            int len = Wire.beginMessage(buf, (byte) 'B');
            Wire.writeCString(buf, "");
            Wire.writeCString(buf, "");
            buf.writeShort(0); // all parameters in text format
            buf.writeShort(1);
            byte[] value = param.getBytes(StandardCharsets.UTF_8);
            buf.writeInt(value.length).writeBytes(value);
            buf.writeShort(0); // all results in text format
            Wire.endMessage(buf, len);
            int exec = Wire.beginMessage(buf, (byte) 'E');
            Wire.writeCString(buf, "");
            buf.writeInt(0);
            Wire.endMessage(buf, exec);
            Sync.INSTANCE.encode(buf);
        });
        return rows();
    }

    private List<List<String>> rows() throws IOException, ProbeException {
        List<List<String>> rows = new ArrayList<>();
        ProbeException error = null;
        while (true) {
            byte type = in.readByte();
            ByteBuf body = readBody();
            switch (type) {
                case 'D' -> rows.add(DataRow.decode(body).values());
                case 'E' -> error = refused(body);
                case 'Z' -> {
                    if (error != null) {
                        throw error;
                    }
                    return rows;
                }
                default -> { } // RowDescription, CommandComplete, ParseComplete, BindComplete, notices
            }
        }
    }

    private void login(String database, String user, String secret, ScramPassThrough keys)
            throws IOException, ProbeException {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", user);
        startup.put("database", database);
        startup.put("application_name", "sluice");
        send(buf -> new StartupMessage(startup).encode(buf));
        ScramClient scram = null;
        while (true) {
            byte type = in.readByte();
            ByteBuf body = readBody();
            switch (type) {
                case 'R' -> scram = authenticate(Authentication.decode(body), user, secret, keys, scram);
                case 'E' -> throw refused(body);
                case 'Z' -> {
                    return;
                }
                default -> { } // ParameterStatus, BackendKeyData, notices: callers query what they need
            }
        }
    }

    private ScramClient authenticate(Authentication auth, String user, String secret, ScramPassThrough keys,
            ScramClient scram) throws IOException, ProbeException {
        if (auth instanceof AuthenticationOk) {
            return scram;
        }
        if (auth instanceof AuthenticationCleartextPassword) {
            String pw = need(secret, "password");
            send(buf -> new PasswordMessage(pw).encode(buf));
        } else if (auth instanceof AuthenticationMd5Password md5) {
            String pw = need(secret, "md5");
            send(buf -> new PasswordMessage(Md5Password.response(pw, user, md5.salt())).encode(buf));
        } else if (auth instanceof AuthenticationSasl) {
            ScramClient c;
            if (keys != null) {
                c = new ScramClient(keys.clientKey(), keys.serverKey());
            } else {
                String pw = need(secret, "scram-sha-256");
                if (ScramSecret.isScramSecret(pw) || Md5Password.isMd5Secret(pw)) {
                    throw new ProbeException("28P01", "server asks for SCRAM and only a stored hash or verifier is"
                            + " configured for user \"" + user + "\"; a client login has to lend its keys first");
                }
                c = new ScramClient(pw);
            }
            byte[] first = c.clientFirstMessage().getBytes(StandardCharsets.UTF_8);
            send(buf -> new SaslInitialResponse("SCRAM-SHA-256", first).encode(buf));
            return c;
        } else if (auth instanceof AuthenticationSaslContinue cont && scram != null) {
            try {
                byte[] reply = scram.handleServerFirst(new String(cont.data(), StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8);
                send(buf -> new SaslResponse(reply).encode(buf));
            } catch (ScramException e) {
                throw new ProbeException("28P01", "SCRAM failed: " + e.getMessage());
            }
        } else if (auth instanceof AuthenticationSaslFinal fin && scram != null) {
            try {
                scram.verifyServerFinal(new String(fin.data(), StandardCharsets.UTF_8));
            } catch (ScramException e) {
                throw new ProbeException("28P01", "server could not prove it knows the password: " + e.getMessage());
            }
        } else {
            throw new ProbeException("0A000", "unsupported authentication request " + auth);
        }
        return scram;
    }

    private static String need(String secret, String method) throws ProbeException {
        if (secret == null || secret.isEmpty()) {
            throw new ProbeException("28P01", "server asks for " + method + " authentication and no password is"
                    + " configured for this user");
        }
        return secret;
    }

    private ByteBuf readBody() throws IOException {
        int len = in.readInt();
        if (len < 4 || len > 64 * 1024 * 1024) {
            throw new IOException("malformed message length " + len);
        }
        byte[] body = new byte[len - 4];
        in.readFully(body);
        return Unpooled.wrappedBuffer(body); // wraps a plain array: not pooled, not leak-tracked, garbage when dropped
    }

    private static ProbeException refused(ByteBuf body) {
        ErrorResponse e = ErrorResponse.decode(body);
        return new ProbeException(e.code(), e.message());
    }

    private interface Encoder {
        void encode(ByteBuf buf);
    }

    private void send(Encoder encoder) throws IOException {
        ByteBuf buf = Unpooled.buffer(256);
        try {
            encoder.encode(buf);
            out.write(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
            out.flush();
        } finally {
            buf.release(); // consumed here: the bytes are in the socket
        }
    }

    @Override
    public void close() {
        try {
            send(buf -> Terminate.INSTANCE.encode(buf));
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }
}
