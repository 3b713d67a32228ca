// The admin console's command table: parses a statement and runs SHOW, PAUSE, KILL, ... with PgBouncer's meaning.
package dev.sluice.proxy.admin;

import dev.sluice.config.Settings;
import dev.sluice.protocol.SqlState;
import dev.sluice.proxy.Proxy;
import dev.sluice.proxy.client.ClientConnection;
import dev.sluice.proxy.client.ClientSession;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.pool.PauseMode;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.pool.PoolAdmin;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Grammar as PgBouncer's admin.c: {@code WORD [WORD] [;]} or {@code SET key = value}; words are case-insensitive. */
final class AdminCommands {
    private static final Logger log = LoggerFactory.getLogger("dev.sluice.admin");
    private static final String WORD = "(\"(?:[^\"]|\"\")+\"|[0-9A-Za-z_]+)";
    private static final Pattern COMMAND = Pattern.compile("^\\s*" + WORD + "(?:\\s+" + WORD + ")?\\s*(?:;\\s*)?$");
    private static final Pattern SET = Pattern.compile(
            "^\\s*set\\s+" + WORD + "\\s*(?:=|to)\\s*('(?:[^']|'')*'|" + WORD + ")\\s*(?:;\\s*)?$",
            Pattern.CASE_INSENSITIVE);
    /** Settings some drivers SET on connect (PgBouncer's fake_param_list): accepted and ignored. */
    private static final Map<String, String> FAKE_PARAMS = Map.of("client_encoding", "UTF-8",
            "default_transaction_isolation", "read committed", "standard_conforming_strings", "on",
            "datestyle", "ISO", "timezone", "GMT", "extra_float_digits", "2");
    private static final long POLL_MILLIS = 50;
    static final String HELP = "\n\tSHOW HELP|CONFIG|DATABASES|POOLS|CLIENTS|SERVERS|USERS|VERSION\n"
            + "\tSHOW LISTS|STATE\n\tSHOW STATS|STATS_TOTALS\n\tRELOAD\n\tPAUSE [<db>]\n\tRESUME [<db>]\n"
            + "\tDISABLE <db>\n\tENABLE <db>\n\tRECONNECT [<db>]\n\tKILL [<db>]\n\tKILL_CLIENT <client_id>\n"
            + "\tSUSPEND\n\tSHUTDOWN\n\tSHUTDOWN WAIT_FOR_CLIENTS\n\tWAIT_CLOSE [<db>]";

    private final Proxy proxy;
    private final AdminSession.Role role;
    private final ClientSession session;

    AdminCommands(Proxy proxy, AdminSession.Role role, ClientSession session) {
        this.proxy = proxy;
        this.role = role;
        this.session = session;
    }

    static boolean isShow(String sql) {
        Matcher m = COMMAND.matcher(sql);
        return m.matches() && (word(m.group(1)).equals("show") || word(m.group(1)).equals("select"));
    }

    /** A SHOW, computed now (also used by Describe, which must not run other commands). */
    Result show(String sql) {
        Matcher m = COMMAND.matcher(sql);
        if (!m.matches() || m.group(2) == null) {
            return syntaxError(sql);
        }
        return show(word(m.group(2)), sql);
    }

    /** Runs one statement; commands that wait (PAUSE, SUSPEND, WAIT_CLOSE) complete later. */
    CompletableFuture<Result> run(String sql) {
        try {
            return runChecked(sql);
        } catch (RuntimeException e) {
            log.warn("admin command failed: {}", sql, e);
            return done(Result.error(SqlState.INTERNAL_ERROR, "internal error in Sluice; see its log"));
        }
    }

    private CompletableFuture<Result> runChecked(String sql) {
        Matcher set = SET.matcher(sql);
        if (set.matches()) {
            String key = word(set.group(1));
            if (FAKE_PARAMS.containsKey(key) || Settings.byName(key) == null) {
                // session settings drivers send on connect (pgjdbc: application_name, extra_float_digits)
                return done(Result.done("SET", "SET ignored", null));
            }
            return done(role == AdminSession.Role.ADMIN
                    ? Result.error(SqlState.FEATURE_NOT_SUPPORTED, "SET of Sluice settings is not supported; edit"
                            + " the config file")
                    : denied());
        }
        Matcher m = COMMAND.matcher(sql);
        if (!m.matches()) {
            return done(syntaxError(sql));
        }
        String cmd = word(m.group(1));
        String arg = m.group(2) == null ? "" : arg(m.group(2));
        if (cmd.equals("show") || cmd.equals("select")) {
            return done(arg.isEmpty() ? syntaxError(sql) : show(arg.toLowerCase(Locale.ROOT), sql));
        }
        if (role != AdminSession.Role.ADMIN) {
            return done(denied());
        }
        log.info("admin console: {} command issued by {}", sql.strip(), session.user());
        return switch (cmd) {
            case "pause" -> pause(arg, PauseMode.PAUSE);
            case "suspend" -> arg.isEmpty() ? pause("", PauseMode.SUSPEND) : done(syntaxError(sql));
            case "resume" -> resume(arg);
            case "kill" -> kill(arg);
            case "kill_client" -> killClient(arg);
            case "reconnect" -> reconnect(arg, false);
            case "wait_close" -> reconnect(arg, true);
            case "disable", "enable" -> able(arg, cmd.equals("disable"));
            case "reload" -> arg.isEmpty() ? reload() : done(syntaxError(sql));
            case "shutdown" -> shutdown(arg, sql);
            default -> done(syntaxError(sql));
        };
    }

    private Result show(String what, String sql) {
        List<Pool> pools = proxy.pools().all();
        pools.sort((a, b) -> a.key().toString().compareTo(b.key().toString()));
        return switch (what) {
            case "pools" -> ShowTables.pools(pools);
            case "stats" -> ShowTables.stats(proxy, pools);
            case "stats_totals" -> ShowTables.statsTotals(pools);
            case "clients" -> ShowSockets.clients(pools);
            case "servers" -> ShowSockets.servers(pools);
            case "databases" -> ShowTables.databases(proxy, pools);
            case "users" -> ShowTables.users(proxy, pools);
            case "config" -> ShowTables.config(proxy.config());
            case "lists" -> ShowTables.lists(proxy, pools);
            case "version" -> ShowTables.version(version());
            case "state" -> ShowTables.state(proxy.pauseMode());
            case "help" -> Result.done("SHOW", "Console usage", HELP);
            default -> FAKE_PARAMS.containsKey(what)
                    ? Result.rows("s", what).row(FAKE_PARAMS.get(what)) : syntaxError(sql);
        };
    }

    // ------------------------------------------------------------------ commands

    private CompletableFuture<Result> pause(String db, PauseMode mode) {
        if (db.isEmpty() && proxy.pauseMode() != PauseMode.NONE) {
            return done(Result.error(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "already suspended/paused"));
        }
        List<Pool> pools = pools(db);
        if (pools == null) {
            return done(noSuchDatabase(db));
        }
        if (db.isEmpty()) {
            proxy.pauseMode(mode);
        } else {
            proxy.pauseDatabase(db, mode);
        }
        pools.forEach(p -> PoolAdmin.pause(p, mode));
        String tag = mode == PauseMode.PAUSE ? "PAUSE" : "SUSPEND";
        // PAUSE returns once every server is closed; SUSPEND once none is running a transaction
        return waitUntil(() -> pools.stream().allMatch(p -> mode == PauseMode.PAUSE ? p.counts().servers() == 0
                : p.counts().serversActive() + p.counts().serversUsed() == 0), Result.done(tag));
    }

    private CompletableFuture<Result> resume(String db) {
        List<Pool> pools = pools(db);
        if (pools == null) {
            return done(noSuchDatabase(db));
        }
        if (db.isEmpty()) {
            if (proxy.pauseMode() == PauseMode.NONE && pools.stream().allMatch(p -> p.pauseMode() == PauseMode.NONE)) {
                return done(Result.error(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "pooler is not paused/suspended"));
            }
            proxy.pauseMode(PauseMode.NONE);
        } else if (proxy.pauseOf(db) == PauseMode.NONE && pools.stream().allMatch(p -> p.pauseMode() == PauseMode.NONE)) {
            return done(Result.error(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "database " + db + " is not paused"));
        } else {
            proxy.pauseDatabase(db, PauseMode.NONE);
        }
        for (Pool p : pools) {
            // a global RESUME leaves databases paused on their own (PAUSE db, KILL db) paused, as PgBouncer does
            if (proxy.pauseOf(p.key().database()) == PauseMode.NONE) {
                PoolAdmin.resume(p);
            }
        }
        return done(Result.done("RESUME"));
    }

    private CompletableFuture<Result> kill(String db) {
        List<Pool> pools = pools(db);
        if (pools == null) {
            return done(noSuchDatabase(db));
        }
        // as PgBouncer: the database stays paused afterwards, until RESUME
        if (!db.isEmpty()) {
            proxy.pauseDatabase(db, PauseMode.PAUSE);
        }
        for (Pool p : pools) {
            proxy.pauseDatabase(p.key().database(), PauseMode.PAUSE);
            PoolAdmin.pause(p, PauseMode.PAUSE);
            PoolAdmin.kill(p, "admin forced disconnect: KILL " + (db.isEmpty() ? "" : db));
        }
        return done(Result.done("KILL"));
    }

    private CompletableFuture<Result> killClient(String arg) {
        int id;
        try {
            id = Integer.parseInt(arg);
        } catch (NumberFormatException e) {
            return done(Result.error(SqlState.INVALID_PARAMETER_VALUE, "invalid client id supplied: " + arg));
        }
        for (Pool p : proxy.pools().all()) {
            for (ClientConnection c : p.clientList()) {
                if (c.session().id() == id) {
                    c.closeAsync(SqlState.ADMIN_SHUTDOWN, "admin forced disconnect", DisconnectReason.ADMIN);
                    return done(Result.done("KILL_CLIENT"));
                }
            }
        }
        return done(Result.error(SqlState.INVALID_PARAMETER_VALUE, "client not found: " + id));
    }

    private CompletableFuture<Result> reconnect(String db, boolean wait) {
        List<Pool> pools = pools(db);
        if (pools == null) {
            return done(noSuchDatabase(db));
        }
        pools.forEach(PoolAdmin::closeAllWhenFree);
        if (!wait) {
            return done(Result.done("RECONNECT"));
        }
        return waitUntil(() -> pools.stream().allMatch(p -> PoolAdmin.closePending(p) == 0), Result.done("WAIT_CLOSE"));
    }

    private CompletableFuture<Result> able(String db, boolean disable) {
        if (db.isEmpty()) {
            return done(Result.error(SqlState.SYNTAX_ERROR, "a database is required"));
        }
        if (proxy.config().database(db) == null || AdminSession.isAdminDatabase(db)) {
            return done(noSuchDatabase(db));
        }
        proxy.disabled(db, disable);
        return done(Result.done(disable ? "DISABLE" : "ENABLE"));
    }

    /** Off the event loop: a reload reads the config and auth files. */
    private CompletableFuture<Result> reload() {
        return CompletableFuture.supplyAsync(proxy::reload).thenApply(r -> r.applied() ? Result.done("RELOAD")
                : Result.error(SqlState.CONFIG_FILE_ERROR, "RELOAD failed, running configuration unchanged: "
                        + r.error()));
    }

    private CompletableFuture<Result> shutdown(String arg, String sql) {
        boolean wait = arg.equalsIgnoreCase("wait_for_clients");
        if (!arg.isEmpty() && !wait) {
            return done(syntaxError(sql));
        }
        proxy.shutdown(wait);
        // immediate: no reply, the connection ends with the process (as PgBouncer)
        return wait ? done(Result.done("SHUTDOWN")) : new CompletableFuture<>();
    }

    // ------------------------------------------------------------------ helpers

    /** The pools of {@code db} (all pools when empty), or null when no such database is configured. */
    private List<Pool> pools(String db) {
        List<Pool> out = new ArrayList<>();
        for (Pool p : proxy.pools().all()) {
            if (db.isEmpty() || p.key().database().equals(db)) {
                out.add(p);
            }
        }
        if (!db.isEmpty() && out.isEmpty() && (proxy.config().database(db) == null || AdminSession.isAdminDatabase(db))) {
            return null;
        }
        return out;
    }

    /** Completes with {@code result} once {@code condition} holds, checked on the console client's loop. */
    private CompletableFuture<Result> waitUntil(BooleanSupplier condition, Result result) {
        CompletableFuture<Result> f = new CompletableFuture<>();
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            if (condition.getAsBoolean()) {
                f.complete(result);
            } else {
                proxy.loops().get(0).schedule(check[0], POLL_MILLIS, TimeUnit.MILLISECONDS);
            }
        };
        check[0].run();
        return f;
    }

    private static CompletableFuture<Result> done(Result r) {
        return CompletableFuture.completedFuture(r);
    }

    private static Result denied() {
        return Result.error(SqlState.INSUFFICIENT_PRIVILEGE, "admin access needed");
    }

    private static Result noSuchDatabase(String db) {
        return Result.error(SqlState.INVALID_CATALOG_NAME, "no such database: " + db);
    }

    private static Result syntaxError(String sql) {
        return Result.error(SqlState.SYNTAX_ERROR, "invalid command '" + sql.strip() + "', use SHOW HELP;");
    }

    private static String word(String w) {
        return arg(w).toLowerCase(Locale.ROOT);
    }

    /** A word as written, unquoted when in double quotes. */
    private static String arg(String w) {
        return w.startsWith("\"") ? w.substring(1, w.length() - 1).replace("\"\"", "\"") : w;
    }

    private static String version() {
        String v = Proxy.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
