// SHOW POOLS, STATS, STATS_TOTALS, DATABASES, USERS, CONFIG, LISTS, VERSION, STATE: columns as PgBouncer's.
package dev.sluice.proxy.admin;

import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.Setting;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.UserConfig;
import dev.sluice.proxy.Proxy;
import dev.sluice.proxy.metrics.PoolTotals;
import dev.sluice.proxy.pool.PauseMode;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.pool.PoolKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Column lists follow PgBouncer 1.2x's admin.c and stats.c (types by their letters, see {@link Result}). */
final class ShowTables {
    private ShowTables() {
    }

    static Result pools(List<Pool> pools) {
        Result r = Result.rows("ssiiiiiiiiiiiiiss", "database", "user", "cl_active", "cl_waiting",
                "cl_active_cancel_req", "cl_waiting_cancel_req", "sv_active", "sv_active_cancel", "sv_being_canceled",
                "sv_idle", "sv_used", "sv_tested", "sv_login", "maxwait", "maxwait_us", "pool_mode",
                "load_balance_hosts");
        long now = System.nanoTime();
        for (Pool p : pools) {
            Pool.Counts c = p.counts();
            long wait = p.maxWaitNanos(now);
            r.row(p.key().database(), p.key().user(), c.clientsLinkedOrIdle(), c.clientsWaiting(), 0, 0,
                    c.serversActive(), 0, 0, c.serversIdle(), c.serversUsed(), c.serversTesting(), c.serversLogin(),
                    wait / 1_000_000_000, (wait / 1000) % 1_000_000, p.mode().toString(), null);
        }
        return r;
    }

    /** Sums the pools of each database, in first-seen order. */
    private static Map<String, PoolTotals> byDatabase(List<Pool> pools, Map<PoolKey, PoolTotals> source) {
        Map<String, PoolTotals> out = new LinkedHashMap<>();
        for (Pool p : pools) {
            PoolTotals t = source == null ? PoolTotals.of(p) : source.getOrDefault(p.key(), PoolTotals.ZERO);
            out.merge(p.key().database(), t, PoolTotals::plus);
        }
        return out;
    }

    static Result stats(Proxy proxy, List<Pool> pools) {
        Result r = Result.rows("s" + "N".repeat(24), "database", "total_server_assignment_count",
                "total_xact_count", "total_query_count", "total_received", "total_sent", "total_xact_time",
                "total_query_time", "total_wait_time", "total_client_parse_count", "total_server_parse_count",
                "total_bind_count", "total_client_connect_count", "avg_server_assignment_count", "avg_xact_count",
                "avg_query_count", "avg_recv", "avg_sent", "avg_xact_time", "avg_query_time", "avg_wait_time",
                "avg_client_parse_count", "avg_server_parse_count", "avg_bind_count", "avg_client_connect_count");
        Map<String, PoolTotals> last = byDatabase(pools, proxy.statsReporter().periodTotals());
        byDatabase(pools, null).forEach((db, t) -> {
            long[] a = last.getOrDefault(db, PoolTotals.ZERO).averages(proxy.statsReporter().periodSeconds());
            r.row(db, t.serverAssignments(), t.xacts(), t.queries(), t.received(), t.sent(), t.xactMicros(),
                    t.queryMicros(), t.waitMicros(), t.clientParses(), t.serverParses(), t.binds(), t.clientLogins(),
                    a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
        });
        return r;
    }

    static Result statsTotals(List<Pool> pools) {
        Result r = Result.rows("s" + "N".repeat(12), "database", "server_assignment_count", "xact_count",
                "query_count", "bytes_received", "bytes_sent", "xact_time", "query_time", "wait_time",
                "client_parse_count", "server_parse_count", "bind_count", "client_connect_count");
        byDatabase(pools, null).forEach((db, t) -> r.row(db, t.serverAssignments(), t.xacts(), t.queries(),
                t.received(), t.sent(), t.xactMicros(), t.queryMicros(), t.waitMicros(), t.clientParses(),
                t.serverParses(), t.binds(), t.clientLogins()));
        return r;
    }

    static Result databases(Proxy proxy, List<Pool> pools) {
        SluiceConfig cfg = proxy.config();
        Result r = Result.rows("ssissiiiissiiiiii", "name", "host", "port", "database", "force_user", "pool_size",
                "min_pool_size", "reserve_pool_size", "server_lifetime", "pool_mode", "load_balance_hosts",
                "max_connections", "current_connections", "max_client_connections", "current_client_connections",
                "paused", "disabled");
        for (DatabaseConfig db : cfg.databases().values()) {
            int servers = 0;
            int clients = 0;
            boolean paused = proxy.pauseOf(db.name()) != PauseMode.NONE;
            for (Pool p : pools) {
                if (p.key().database().equals(db.name())) {
                    Pool.Counts c = p.counts();
                    servers += c.servers();
                    clients += c.clientsLinkedOrIdle() + c.clientsWaiting();
                    paused |= p.pauseMode() != PauseMode.NONE;
                }
            }
            r.row(db.name(), db.host(), db.port(), db.dbname() != null ? db.dbname() : db.name(), db.user(),
                    db.poolSize() != null ? db.poolSize() : cfg.defaultPoolSize(),
                    db.minPoolSize() != null ? db.minPoolSize() : cfg.minPoolSize(),
                    db.reservePool() != null ? db.reservePool() : cfg.reservePoolSize(),
                    (db.serverLifetime() != null ? db.serverLifetime() : cfg.serverLifetime()).toSeconds(), db.poolMode() == null ? null : db.poolMode().toString(), null,
                    db.maxDbConnections() != null ? db.maxDbConnections() : cfg.maxDbConnections(), servers, 0,
                    clients, paused ? 1 : 0, proxy.isDisabled(db.name()) ? 1 : 0);
        }
        return r;
    }

    static Result users(Proxy proxy, List<Pool> pools) {
        SluiceConfig cfg = proxy.config();
        Result r = Result.rows("ssssiiii", "name", "pool_size", "reserve_pool_size", "pool_mode",
                "max_user_connections", "current_connections", "max_user_client_connections",
                "current_client_connections");
        TreeSet<String> names = new TreeSet<>(cfg.userlist().users());
        names.addAll(cfg.users().keySet());
        pools.forEach(p -> names.add(p.key().user()));
        for (String name : names) {
            UserConfig u = cfg.users().get(name);
            int servers = 0;
            int clients = 0;
            for (Pool p : pools) {
                if (p.key().user().equals(name)) {
                    Pool.Counts c = p.counts();
                    servers += c.servers();
                    clients += c.clientsLinkedOrIdle() + c.clientsWaiting();
                }
            }
            r.row(name, u != null && u.poolSize() != null ? u.poolSize().toString() : "", "",
                    u != null && u.poolMode() != null ? u.poolMode().toString() : null,
                    u != null && u.maxUserConnections() != null ? u.maxUserConnections() : cfg.maxUserConnections(),
                    servers, 0, clients);
        }
        return r;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static Result config(SluiceConfig cfg) {
        // "changeable": whether RELOAD applies it (listen address and socket options need a restart)
        Result r = Result.rows("ssss", "key", "value", "default", "changeable");
        for (Setting<?> s : Settings.all()) {
            Setting raw = s;
            Object value = cfg.get(s);
            r.row(s.name(), value == null ? "" : raw.format(value),
                    s.defaultValue() == null ? "" : raw.format(s.defaultValue()), Settings.reloadable(s) ? "yes" : "no");
        }
        return r;
    }

    static Result lists(Proxy proxy, List<Pool> pools) {
        int clients = 0;
        int servers = 0;
        for (Pool p : pools) {
            Pool.Counts c = p.counts();
            clients += c.clientsLinkedOrIdle() + c.clientsWaiting();
            servers += c.servers();
        }
        TreeSet<String> users = new TreeSet<>(proxy.config().userlist().users());
        users.addAll(proxy.config().users().keySet());
        Result r = Result.rows("si", "list", "items");
        r.row("databases", proxy.config().databases().size());
        r.row("users", users.size());
        r.row("peers", 0);
        r.row("pools", pools.size());
        r.row("peer_pools", 0);
        r.row("free_clients", 0);
        r.row("used_clients", clients);
        r.row("login_clients", proxy.loginCount());
        r.row("free_servers", 0);
        r.row("used_servers", servers);
        r.row("dns_names", 0);
        r.row("dns_zones", 0);
        r.row("dns_queries", 0);
        r.row("dns_pending", 0);
        return r;
    }

    static Result version(String version) {
        return Result.rows("s", "version").row("Sluice " + version);
    }

    static Result state(PauseMode mode) {
        return Result.rows("ss", "key", "value")
                .row("active", mode == PauseMode.NONE ? "yes" : "no")
                .row("paused", mode == PauseMode.PAUSE ? "yes" : "no")
                .row("suspended", mode == PauseMode.SUSPEND ? "yes" : "no");
    }
}
