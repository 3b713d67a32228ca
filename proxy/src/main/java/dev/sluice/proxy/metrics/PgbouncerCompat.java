// The pgbouncer_exporter-compatible families, so dashboards and alerts written for PgBouncer keep working.
package dev.sluice.proxy.metrics;

import dev.sluice.proxy.Proxy;
import dev.sluice.proxy.pool.Pool;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Names as prometheus-community/pgbouncer_exporter publishes them (gauges fed from SHOW POOLS / STATS_TOTALS /
 * DATABASES / CONFIG); pools carry {@code database} and {@code user}, per-database stats {@code database}.
 */
final class PgbouncerCompat {
    private PgbouncerCompat() {
    }

    static void add(List<MetricSnapshot> out, List<Pool> pools, Map<String, long[]> perDb, Proxy proxy, long now) {
        out.add(Family.gauge("pgbouncer_up", "The pooler answers (always 1 when scraped)").add(1).snapshot());
        Family clActive = Family.gauge("pgbouncer_pools_client_active_connections", "Client connections linked or idle");
        Family clWaiting = Family.gauge("pgbouncer_pools_client_waiting_connections", "Client connections waiting");
        Family svActive = Family.gauge("pgbouncer_pools_server_active_connections", "Server connections linked");
        Family svIdle = Family.gauge("pgbouncer_pools_server_idle_connections", "Server connections idle");
        Family svUsed = Family.gauge("pgbouncer_pools_server_used_connections", "Server connections being cleaned");
        Family svLogin = Family.gauge("pgbouncer_pools_server_login_connections", "Server connections logging in");
        Family maxWait = Family.gauge("pgbouncer_pools_client_maxwait_seconds", "Longest current client wait");
        Map<String, PoolTotals> stats = new LinkedHashMap<>();
        for (Pool p : pools) {
            String[] l = {"database", p.key().database(), "user", p.key().user()};
            Pool.Counts c = p.counts();
            clActive.add(c.clientsLinkedOrIdle(), l);
            clWaiting.add(c.clientsWaiting(), l);
            svActive.add(c.serversActive(), l);
            svIdle.add(c.serversIdle(), l);
            svUsed.add(c.serversUsed(), l);
            svLogin.add(c.serversLogin(), l);
            maxWait.add(p.maxWaitNanos(now) / 1e9, l);
            stats.merge(p.key().database(), PoolTotals.of(p), PoolTotals::plus);
        }
        for (Family f : List.of(clActive, clWaiting, svActive, svIdle, svUsed, svLogin, maxWait)) {
            out.add(f.snapshot());
        }
        String prefix = "pgbouncer_stats_totals_";
        Family assign = Family.gauge(prefix + "server_assignment_count", "Times a server was assigned to a client");
        Family xactCount = Family.gauge(prefix + "xact_count", "SQL transactions pooled");
        Family queryCount = Family.gauge(prefix + "query_count", "SQL queries pooled");
        Family recv = Family.gauge(prefix + "received_bytes", "Bytes received from clients");
        Family sent = Family.gauge(prefix + "sent_bytes", "Bytes sent to clients");
        Family xactTime = Family.gauge(prefix + "xact_time_seconds", "Time spent in transactions");
        Family queryTime = Family.gauge(prefix + "query_time_seconds", "Time spent in queries");
        Family waitTime = Family.gauge(prefix + "wait_time_seconds", "Time clients waited for a server");
        stats.forEach((db, t) -> {
            assign.add(t.serverAssignments(), "database", db);
            xactCount.add(t.xacts(), "database", db);
            queryCount.add(t.queries(), "database", db);
            recv.add(t.received(), "database", db);
            sent.add(t.sent(), "database", db);
            xactTime.add(t.xactMicros() / 1e6, "database", db);
            queryTime.add(t.queryMicros() / 1e6, "database", db);
            waitTime.add(t.waitMicros() / 1e6, "database", db);
        });
        for (Family f : List.of(assign, xactCount, queryCount, recv, sent, xactTime, queryTime, waitTime)) {
            out.add(f.snapshot());
        }
        addExporterStats(out, stats);
        Family poolSize = Family.gauge("pgbouncer_databases_pool_size", "pool_size summed over the database's pools");
        Family current = Family.gauge("pgbouncer_databases_current_connections", "Server connections of the database");
        perDb.forEach((db, v) -> {
            poolSize.add(v[0], "database", db);
            current.add(v[1], "database", db);
        });
        out.add(poolSize.snapshot());
        out.add(current.snapshot());
        out.add(Family.gauge("pgbouncer_config_max_client_connections", "max_client_conn")
                .add(proxy.config().maxClientConn()).snapshot());
    }

    /**
     * The same totals as counters under the names pgbouncer_exporter gives SHOW STATS' total_* columns
     * ({@code pgbouncer_stats_sql_transactions_pooled_total}, ...), which its published dashboards query.
     */
    private static void addExporterStats(List<MetricSnapshot> out, Map<String, PoolTotals> stats) {
        String p = "pgbouncer_stats_";
        Family xacts = Family.counter(p + "sql_transactions_pooled", "Total number of SQL transactions pooled");
        Family queries = Family.counter(p + "queries_pooled", "Total number of SQL queries pooled");
        Family recv = Family.counter(p + "received_bytes", "Total bytes received from clients");
        Family sent = Family.counter(p + "sent_bytes", "Total bytes sent to clients");
        Family inXact = Family.counter(p + "server_in_transaction_seconds", "Seconds servers spent in transactions");
        Family queryTime = Family.counter(p + "queries_duration_seconds", "Seconds servers spent executing queries");
        Family wait = Family.counter(p + "client_wait_seconds", "Seconds clients waited for a server");
        stats.forEach((db, t) -> {
            xacts.add(t.xacts(), "database", db);
            queries.add(t.queries(), "database", db);
            recv.add(t.received(), "database", db);
            sent.add(t.sent(), "database", db);
            inXact.add(t.xactMicros() / 1e6, "database", db);
            queryTime.add(t.queryMicros() / 1e6, "database", db);
            wait.add(t.waitMicros() / 1e6, "database", db);
        });
        for (Family f : List.of(xacts, queries, recv, sent, inXact, queryTime, wait)) {
            out.add(f.snapshot());
        }
    }
}
