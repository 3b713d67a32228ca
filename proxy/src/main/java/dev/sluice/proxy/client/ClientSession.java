// What Sluice knows about a client beyond its socket: identity, login exchange, wanted settings, cancel key.
package dev.sluice.proxy.client;

import dev.sluice.config.AuthType;
import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.SluiceConfig;
import dev.sluice.protocol.AuthenticationOk;
import dev.sluice.protocol.BackendKeyData;
import dev.sluice.protocol.CancelRequest;
import dev.sluice.protocol.GssEncRequest;
import dev.sluice.protocol.ParameterStatus;
import dev.sluice.protocol.ProtocolException;
import dev.sluice.protocol.ReadyForQuery;
import dev.sluice.protocol.SqlState;
import dev.sluice.protocol.SslRequest;
import dev.sluice.protocol.StartupDecoder;
import dev.sluice.protocol.StartupMessage;
import dev.sluice.protocol.StartupPacket;
import dev.sluice.protocol.TransactionStatus;
import dev.sluice.proxy.Proxy;
import dev.sluice.proxy.admin.AdminSession;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.pool.PauseMode;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.pool.PoolAdmin;
import dev.sluice.proxy.prepared.ClientStatements;
import dev.sluice.proxy.relay.FrameScanner.Action;
import dev.sluice.proxy.server.ServerConnection;
import dev.sluice.proxy.tls.ClientTls;
import dev.sluice.proxy.tls.ClientTlsUpgrade;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs on the client's loop; the login part ends when {@link ClientConnection#loggedIn} is called. */
public final class ClientSession {
    private static final Logger log = LoggerFactory.getLogger("dev.sluice.proxy.client");

    private final Proxy proxy;
    private final ClientConnection conn;
    private final int id;
    private final int secret;
    private InetSocketAddress address;
    private String user;
    private String database;
    private Map<String, String> startupSettings = Map.of();
    private ClientLogin login;
    /** The secret this client logged in against: from the auth_file or auth_query. */
    private String loginSecret;
    private Pool pool;
    private ParamSet params;
    private boolean welcomed;
    private ClientStatements statements;
    private boolean counted;
    private final long connectedAt = System.currentTimeMillis();
    /** Connected to the admin console's virtual database rather than a pool. */
    private boolean adminDb;

    ClientSession(Proxy proxy, ClientConnection conn) {
        this.proxy = proxy;
        this.conn = conn;
        this.id = proxy.cancels().newId();
        this.secret = proxy.cancels().newSecret();
    }

    public int id() {
        return id;
    }

    public int secret() {
        return secret;
    }

    public String user() {
        return user;
    }

    public String database() {
        return database;
    }

    public String applicationName() {
        return params != null ? params.get("application_name") : startupSettings.get("application_name");
    }

    /** Wall-clock time the client connected, in ms. */
    public long connectedAt() {
        return connectedAt;
    }

    /** Named prepared statements this client has (read by SHOW CLIENTS from another thread: may be stale). */
    public int preparedCount() {
        ClientStatements s = statements;
        return s == null ? 0 : s.size();
    }

    public boolean isAdmin() {
        return adminDb;
    }

    public InetSocketAddress address() {
        return address;
    }

    public Pool pool() {
        return pool;
    }

    /** This client's prepared statements (created on first use). */
    ClientStatements statements() {
        if (statements == null) {
            statements = new ClientStatements(pool.statementRegistry());
        }
        return statements;
    }

    boolean welcomed() {
        return welcomed;
    }

    void accepted(InetSocketAddress remote) {
        address = remote;
        proxy.cancels().register(id, conn);
        proxy.loginStarted(conn);
    }

    // ------------------------------------------------------------------ startup

    void onStartup(ChannelHandlerContext ctx, StartupPacket packet) {
        if (packet instanceof SslRequest) {
            sslRequest(ctx);
        } else if (packet instanceof GssEncRequest) {
            // GSS encryption is not offered: 'N' and the client goes on in plain text (or tries TLS)
            ctx.writeAndFlush(ctx.alloc().buffer(1).writeByte('N'));
        } else if (packet instanceof CancelRequest cancel) {
            proxy.cancels().cancel(cancel.processId(), cancel.secretKey());
            ctx.close();
        } else if (packet instanceof StartupMessage startup) {
            ctx.pipeline().remove(StartupDecoder.class);
            start(ctx, startup);
        }
    }

    /** 'S' and a TLS handshake when a certificate is configured, else 'N' (the client may go on in plain text). */
    private void sslRequest(ChannelHandlerContext ctx) {
        ClientTls tls = proxy.tls().client();
        if (!tls.offered() || ClientTlsUpgrade.active(ctx.channel())) {
            ctx.writeAndFlush(ctx.alloc().buffer(1).writeByte(SslRequest.REFUSE));
            return;
        }
        if (ctx.pipeline().get(StartupDecoder.class).bufferedBytes() > 0) {
            // sent in plain text before our answer, so possibly injected by a man in the middle (CVE-2021-23222)
            conn.fatal(SqlState.PROTOCOL_VIOLATION, "received unencrypted data after SSL request",
                    DisconnectReason.PROTOCOL_VIOLATION);
            return;
        }
        ClientTlsUpgrade.accept(ctx.channel(), tls, proxy.tls().handshakeExecutor());
    }

    private void start(ChannelHandlerContext ctx, StartupMessage startup) {
        SluiceConfig cfg = proxy.config(); // one snapshot for the whole login decision (a reload may swap it)
        user = startup.user();
        database = startup.database();
        startupSettings = StartupOptions.settings(startup.parameters(), cfg.ignoreStartupParameters());
        if (cfg.applicationNameAddHost() && address != null) {
            // PgBouncer's form, "name - host:port": the backend's application_name tells which client ran what
            Map<String, String> withHost = new HashMap<>(startupSettings);
            withHost.put("application_name", startupSettings.getOrDefault("application_name", "") + " - "
                    + addressText());
            startupSettings = withHost;
        }
        ClientTls tls = proxy.tls().client();
        if (tls.required() && !ClientTlsUpgrade.active(ctx.channel())) {
            conn.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "SSL required: client_tls_sslmode = "
                    + tls.mode() + " accepts only TLS connections (connect with sslmode=require)",
                    DisconnectReason.TLS_REQUIRED);
            return;
        }
        if (!proxy.clientAdmitted()) {
            counted = false;
            conn.fatal(SqlState.TOO_MANY_CONNECTIONS, "no more connections allowed (max_client_conn="
                    + cfg.maxClientConn() + ")", DisconnectReason.LIMIT);
            return;
        }
        counted = true;
        if (AdminSession.isAdminDatabase(database)) {
            // console sessions are not application clients: they neither use up max_client_conn (an operator
            // can still get in when it is reached) nor hold up a draining shutdown
            adminDb = true;
            counted = false;
            proxy.clientGone();
        } else if (proxy.isDisabled(database)) {
            conn.fatal(SqlState.CANNOT_CONNECT_NOW, "database \"" + database + "\" does not allow connections"
                    + " (DISABLE on the admin console)", DisconnectReason.ADMIN);
            return;
        } else {
            pool = proxy.pools().pool(database, user); // ProtocolException 3D000 for an unknown database
            PauseMode paused = proxy.pauseOf(database);
            if (paused != PauseMode.NONE && pool.pauseMode() == PauseMode.NONE) {
                PoolAdmin.pause(pool, paused); // a pool created while its database (or Sluice) is paused
            }
        }
        AuthType type = cfg.authType();
        if (type == AuthType.HBA) {
            type = HbaDecision.method(cfg.hba(), address, database, user, ClientTlsUpgrade.active(ctx.channel()));
            if (type == null) {
                // PostgreSQL's wording, with the file it came from
                conn.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "no auth_hba_file entry for host \""
                        + (address == null ? "?" : address.getAddress().getHostAddress()) + "\", user \"" + user
                        + "\", database \"" + database + "\"", DisconnectReason.AUTH_FAILED);
                return;
            }
        }
        String secret = cfg.userlist().secret(user);
        DatabaseConfig db = cfg.database(database);
        AuthType authType = type;
        if (secret == null && db != null && type != AuthType.TRUST && type != AuthType.ANY
                && AuthQuery.authUser(cfg, db) != null) {
            // not in the auth_file: ask PostgreSQL off the event loop, then carry on here on the client's loop
            proxy.authQuery().lookup(cfg, db, database, user).whenComplete((found, error) ->
                    conn.channel().eventLoop().execute(() -> {
                        if (conn.isClosed()) {
                            return;
                        }
                        if (error != null) {
                            log.warn("client {}: {}", id, error.getCause() != null ? error.getCause().getMessage()
                                    : error.getMessage());
                            conn.fatal(SqlState.CONNECTION_FAILURE, "could not look up user \"" + user
                                    + "\" with auth_query; see Sluice's log", DisconnectReason.AUTH_FAILED);
                            return;
                        }
                        beginLogin(ctx, authType, found, true);
                    }));
            return;
        }
        beginLogin(ctx, type, secret, false);
    }

    private void beginLogin(ChannelHandlerContext ctx, AuthType type, String secret, boolean fromAuthQuery) {
        loginSecret = secret;
        if (fromAuthQuery && secret != null && pool != null) {
            pool.learnedSecret(user, secret); // the pool's servers may log in with it (md5 hash, SCRAM keys)
        }
        login = new ClientLogin(type, user, secret, proxy.verifiers());
        try {
            if (login.start(ctx.channel(), type)) {
                authenticated();
            } else {
                conn.scanLogin(); // password messages may already be buffered
            }
        } catch (ClientLogin.Failed f) {
            conn.fatal(f.sqlState, f.getMessage(), DisconnectReason.AUTH_FAILED);
        }
    }

    Action onLoginMessage(byte type, ByteBuf buf, int index, int length) {
        if (type == 'X') {
            conn.close(DisconnectReason.CLIENT_CLOSE);
            return Action.CONSUME_AND_PAUSE;
        }
        if (type != 'p' || login == null) {
            throw new ProtocolException(SqlState.PROTOCOL_VIOLATION,
                    "expected a password message during authentication, got '" + (char) type + "'");
        }
        try {
            if (login.onPasswordMessage(conn.channel(), buf.slice(index + 5, length - 5)) == ClientLogin.Step.DONE) {
                // not from inside the scanner's callback: linking resumes that same scanner
                conn.channel().eventLoop().execute(this::authenticated);
                return Action.CONSUME_AND_PAUSE;
            }
        } catch (ClientLogin.Failed f) {
            conn.fatal(f.sqlState, f.getMessage(), DisconnectReason.AUTH_FAILED);
            return Action.CONSUME_AND_PAUSE;
        }
        return Action.CONSUME;
    }

    private void authenticated() {
        if (conn.isClosed()) {
            return;
        }
        byte[] clientKey = login.scramClientKey();
        if (adminDb) {
            login = null;
            proxy.loginFinished(conn);
            AdminSession.Role role = AdminSession.roleOf(proxy.config(), user);
            if (role == null) {
                conn.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "not allowed: user \"" + user
                        + "\" is in neither admin_users nor stats_users", DisconnectReason.AUTH_FAILED);
                return;
            }
            welcomed = true;
            params = ParamSet.of(startupSettings);
            ByteBuf ok = conn.channel().alloc().buffer(16);
            AuthenticationOk.INSTANCE.encode(ok);
            conn.channel().write(ok, conn.channel().voidPromise());
            conn.adminLoggedIn(new AdminSession(proxy, conn.channel(), this, role, conn));
            return;
        }
        if (clientKey != null) {
            pool.scramPassThrough(user, loginSecret, clientKey);
        }
        login = null;
        proxy.loginFinished(conn);
        ByteBuf out = conn.channel().alloc().buffer(16);
        AuthenticationOk.INSTANCE.encode(out);
        conn.channel().write(out, conn.channel().voidPromise());
        pool.stats().clientLogins.increment();
        conn.loggedIn(pool);
    }

    /** ParameterStatus for every reported setting, the proxy's own cancel key, ReadyForQuery. */
    void sendWelcome(Map<String, String> welcome) {
        Map<String, String> wanted = new HashMap<>(welcome);
        wanted.putAll(startupSettings);
        params = ParamSet.of(wanted);
        ByteBuf out = conn.channel().alloc().buffer(512);
        for (Map.Entry<String, String> e : welcome.entrySet()) {
            new ParameterStatus(e.getKey(), params.get(e.getKey())).encode(out);
        }
        new BackendKeyData(id, secret).encode(out);
        new ReadyForQuery(TransactionStatus.IDLE).encode(out);
        conn.channel().write(out, conn.channel().voidPromise());
        welcomed = true;
        if (proxy.config().logConnections()) {
            String tls = ClientTlsUpgrade.summary(conn.channel());
            log.info("client {} login: user={} database={} address={} application_name={}{}", id, user, database,
                    addressText(), applicationName(), tls.isEmpty() ? "" : " tls=" + tls);
        }
    }

    // ------------------------------------------------------------------ settings

    /** SQL making {@code s} run with this client's settings, or null when it already does. */
    String syncSql(ServerConnection s) {
        return s.params().syncSql(params, pool.welcome());
    }

    /** The sync query succeeded on {@code s}. */
    void synced(ServerConnection s) {
        params = s.params().synced(params, pool.welcome());
    }

    void parameterChanged(String name, String value) {
        if (params != null) {
            params = params.with(name, value);
        }
    }

    // ------------------------------------------------------------------ end

    void closed(DisconnectReason reason) {
        if (statements != null) {
            statements.clear();
        }
        proxy.cancels().remove(id, conn);
        if (login != null || pool == null || !welcomed) {
            proxy.loginFinished(conn);
        }
        if (pool != null) {
            pool.removeClient(conn);
        }
        if (counted) {
            counted = false;
            proxy.clientGone();
        }
        proxy.counters().clientDisconnected(reason, applicationName());
        if (welcomed && proxy.config().logDisconnections()) {
            log.info("client {} logout: user={} database={} address={} application_name={} reason=\"{}\" after {} ms",
                    id, user, database, addressText(), applicationName(), reason,
                    System.currentTimeMillis() - connectedAt);
        }
    }

    void logRefusal(String sqlState, String message) {
        log.info("client {} refused: user={} database={} address={}: {} {}", id, user, database, addressText(),
                sqlState, message);
    }

    private String addressText() {
        return address == null ? "?" : address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /** For CancelRegistry: same key? (constant-time is not needed: the key is random and single-use per try). */
    boolean matches(int secretKey) {
        return secret == secretKey;
    }

}
