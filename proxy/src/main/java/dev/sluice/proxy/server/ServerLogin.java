// Logs a new server connection in to PostgreSQL: startup packet, authentication, parameters, backend key.
package dev.sluice.proxy.server;

import dev.sluice.protocol.Authentication;
import dev.sluice.protocol.AuthenticationCleartextPassword;
import dev.sluice.protocol.AuthenticationMd5Password;
import dev.sluice.protocol.AuthenticationOk;
import dev.sluice.protocol.AuthenticationSasl;
import dev.sluice.protocol.AuthenticationSaslContinue;
import dev.sluice.protocol.AuthenticationSaslFinal;
import dev.sluice.protocol.BackendKeyData;
import dev.sluice.protocol.ErrorResponse;
import dev.sluice.protocol.ParameterStatus;
import dev.sluice.protocol.PasswordMessage;
import dev.sluice.protocol.SaslInitialResponse;
import dev.sluice.protocol.SaslResponse;
import dev.sluice.protocol.SqlState;
import dev.sluice.protocol.StartupMessage;
import dev.sluice.protocol.scram.Md5Password;
import dev.sluice.protocol.scram.ScramClient;
import dev.sluice.protocol.scram.ScramException;
import dev.sluice.protocol.scram.ScramSecret;
import io.netty.buffer.ByteBuf;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.relay.FrameScanner.Action;
import dev.sluice.proxy.tls.ServerTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One per login; answers the server's authentication requests with the backend's secret. */
final class ServerLogin {
    private static final Logger log = LoggerFactory.getLogger(ServerLogin.class);
    /** Thrown to end a login; carries what the waiting clients are told. */
    static final class LoginFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final String sqlState;

        LoginFailure(String sqlState, String message) {
            super(message, null, false, false);
            this.sqlState = sqlState;
        }
    }

    private final Backend backend;
    private final Pool pool;
    private final Map<String, String> params = new LinkedHashMap<>();
    private ScramClient scram;
    /** The connection runs TLS, and the backend certificate's tls-server-end-point hash (null if unknown). */
    private boolean tls;
    private byte[] endPoint;
    private int processId;
    private int secretKey;

    ServerLogin(Pool pool, Backend backend) {
        this.pool = pool;
        this.backend = backend;
    }

    /** Connects a new server for {@code pool} on {@code loop} and starts its login; the pool learns the outcome. */
    static void launch(Pool pool, EventLoop loop) {
        Backend backend = pool.nextBackend(); // one host of a host list: the server and its cancels stay on it
        ServerConnection s = new ServerConnection(pool, backend, pool.settings().maxMessageLength(),
                pool.loops().indexOf(loop));
        ServerLogin login = new ServerLogin(pool, backend);
        pool.addServer(s);
        String refusal = UnixBackends.refusal(backend, pool.connector());
        if (refusal != null) {
            s.failLogin(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, refusal);
            return;
        }
        ChannelFuture f = pool.connector().connect(loop, s.relay(), backend,
                pool.settings().serverConnectTimeoutMillis());
        s.login(login, f.channel());
        f.addListener((ChannelFutureListener) cf -> {
            if (cf.isSuccess()) {
                ServerTls serverTls = pool.connector().tls().server();
                if (serverTls.attempted() && !backend.isUnix()) { // PostgreSQL has no TLS on unix sockets
                    ServerTlsStart.begin(cf.channel(), serverTls, pool.connector().tls().handshakeExecutor(),
                            pool.backend(), new ServerTlsStart.Outcome() {
                                @Override
                                public void ready(Channel ch, boolean tls, byte[] endPoint) {
                                    login.start(ch, tls, endPoint);
                                }

                                @Override
                                public void failed(String sqlState, String message) {
                                    s.failLogin(sqlState, message);
                                }
                            });
                } else {
                    login.start(cf.channel(), false, null);
                }
            } else {
                s.failLogin(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, "could not connect to backend "
                        + backend.address() + ": " + ServerConnection.describe(cf.cause()));
            }
        });
    }

    /** Sends the StartupMessage, after TLS was settled (or not attempted). */
    void start(Channel ch, boolean tls, byte[] endPoint) {
        this.tls = tls;
        this.endPoint = endPoint;
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", backend.user());
        startup.put("database", backend.database());
        startup.putAll(backend.startupParameters());
        ByteBuf out = ch.alloc().buffer(128);
        new StartupMessage(startup).encode(out);
        ch.writeAndFlush(out, ch.voidPromise());
    }

    Map<String, String> params() {
        return params;
    }

    int processId() {
        return processId;
    }

    int secretKey() {
        return secretKey;
    }

    /** One message while {@code s} logs in; after the backend's ReadyForQuery, runs connect_query if set. */
    Action onMessage(ServerConnection s, byte type, ByteBuf buf, int index, int length) {
        Channel ch = s.channel();
        try {
            if (handle(ch, type, buf, index, length)) {
                s.loggedIn(this);
                String connectQuery = backend.connectQuery();
                if (connectQuery == null || connectQuery.isBlank()) {
                    s.loginDone();
                } else {
                    // still in LOGIN: nobody gets this server before its connect_query has succeeded
                    s.runInternal(connectQuery, error -> {
                        if (error != null) {
                            s.failLogin(error.code() != null ? error.code() : SqlState.CONNECTION_FAILURE,
                                    "connect_query on backend " + backend.address() + " failed: "
                                            + error.message());
                        } else {
                            s.loginDone();
                        }
                    });
                    ch.flush();
                }
            }
        } catch (LoginFailure e) {
            s.failLogin(e.sqlState, e.getMessage());
        }
        return Action.CONSUME;
    }

    /** Handles one login-phase message (whole body at {@code index + 5}); returns true on ReadyForQuery. */
    private boolean handle(Channel ch, byte type, ByteBuf buf, int index, int length) throws LoginFailure {
        ByteBuf body = buf.slice(index + 5, length - 5);
        switch (type) {
            case 'R' -> authenticate(ch, Authentication.decode(body));
            case 'S' -> {
                ParameterStatus ps = ParameterStatus.decode(body);
                params.put(ps.name(), ps.value());
            }
            case 'K' -> {
                BackendKeyData key = BackendKeyData.decode(body);
                processId = key.processId();
                secretKey = key.secretKey();
            }
            case 'E' -> {
                ErrorResponse e = ErrorResponse.decode(body);
                throw new LoginFailure(e.code() != null ? e.code() : SqlState.CONNECTION_FAILURE,
                        "backend " + backend.address() + " refused login of user \"" + backend.user()
                                + "\" to database \"" + backend.database() + "\": " + e.message());
            }
            case 'Z' -> {
                return true;
            }
            case 'N', 'v' -> { } // notices and NegotiateProtocolVersion: nothing to act on
            default -> throw new LoginFailure(SqlState.PROTOCOL_VIOLATION,
                    "backend " + backend.address() + " sent unexpected message '" + (char) type + "' during login");
        }
        return false;
    }

    private void authenticate(Channel ch, Authentication auth) throws LoginFailure {
        if (auth instanceof AuthenticationOk) {
            return;
        }
        if (auth instanceof AuthenticationCleartextPassword) {
            send(ch, new PasswordMessage(requireSecret("password")));
        } else if (auth instanceof AuthenticationMd5Password md5) {
            send(ch, new PasswordMessage(Md5Password.response(requireSecret("md5"), backend.user(), md5.salt())));
        } else if (auth instanceof AuthenticationSasl sasl) {
            if (!sasl.mechanisms().contains("SCRAM-SHA-256")) {
                throw new LoginFailure(SqlState.FEATURE_NOT_SUPPORTED, "backend " + backend.address()
                        + " offers only SASL mechanisms " + sasl.mechanisms() + "; Sluice speaks SCRAM-SHA-256");
            }
            String secret = requireSecret("scram-sha-256");
            if (Md5Password.isMd5Secret(secret)) {
                throw new LoginFailure(SqlState.INVALID_PASSWORD, "backend " + backend.address()
                        + " asks for SCRAM, but Sluice only has an md5 secret for user \"" + backend.user() + "\"");
            }
            if (ScramSecret.isScramSecret(secret)) {
                ScramPassThrough keys = pool.passThrough();
                if (keys == null) {
                    throw new LoginFailure(SqlState.INVALID_PASSWORD, "Sluice holds only a SCRAM verifier for user \""
                            + backend.user() + "\" and no client has logged in with SCRAM yet to lend its keys;"
                            + " set password= in [databases] or a plain password in the auth_file");
                }
                scram = new ScramClient(keys.clientKey(), keys.serverKey());
            } else {
                scram = new ScramClient(secret);
            }
            // bind when offered over TLS; 'y' (we could, it did not offer) only when we could really bind
            boolean canBind = tls && endPoint != null;
            scram.channelBinding(canBind, canBind && sasl.mechanisms().contains(AuthenticationSasl.SCRAM_SHA_256_PLUS)
                    ? endPoint : null);
            log.debug("SCRAM login of user \"{}\" to backend {} with {}", backend.user(), backend.address(),
                    scram.mechanism());
            ByteBuf out = ch.alloc().buffer(64 + (canBind ? 64 : 0));
            new SaslInitialResponse(scram.mechanism(), scram.clientFirstMessage().getBytes(StandardCharsets.UTF_8))
                    .encode(out);
            ch.writeAndFlush(out, ch.voidPromise());
        } else if (auth instanceof AuthenticationSaslContinue cont && scram != null) {
            try {
                String reply = scram.handleServerFirst(new String(cont.data(), StandardCharsets.UTF_8));
                ByteBuf out = ch.alloc().buffer(128);
                new SaslResponse(reply.getBytes(StandardCharsets.UTF_8)).encode(out);
                ch.writeAndFlush(out, ch.voidPromise());
            } catch (ScramException e) {
                throw new LoginFailure(SqlState.INVALID_PASSWORD, "SCRAM with backend " + backend.address()
                        + " failed: " + e.getMessage());
            }
        } else if (auth instanceof AuthenticationSaslFinal fin && scram != null) {
            try {
                scram.verifyServerFinal(new String(fin.data(), StandardCharsets.UTF_8));
            } catch (ScramException e) {
                throw new LoginFailure(SqlState.INVALID_PASSWORD, "backend " + backend.address()
                        + " could not prove it knows the password: " + e.getMessage());
            }
        } else {
            throw new LoginFailure(SqlState.FEATURE_NOT_SUPPORTED, "backend " + backend.address()
                    + " asks for an authentication method Sluice does not support (" + auth + ")");
        }
    }

    private String requireSecret(String method) throws LoginFailure {
        String secret = pool.serverSecret();
        if (secret == null || secret.isEmpty()) {
            throw new LoginFailure(SqlState.INVALID_PASSWORD, "backend " + backend.address() + " asks for "
                    + method + " authentication of user \"" + backend.user()
                    + "\" but Sluice has no password for it (set password= in [databases] or the auth_file)");
        }
        return secret;
    }

    private static void send(Channel ch, PasswordMessage msg) {
        ByteBuf out = ch.alloc().buffer(64);
        msg.encode(out);
        ch.writeAndFlush(out, ch.voidPromise());
    }
}
