// The pgbouncer_exporter-compatible families, so dashboards and alerts written for PgBouncer keep working.
package dev.sluice.proxy.metrics;

import dev.sluice.proxy.Proxy;
import dev.sluice.proxy.pool.Pool;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Names as prometheus-community/pgbouncer_exporter publishes them (gauges fed from SHOW POOLS / STATS_TOTALS /
 * DATABASES / CONFIG); pools carry {@code database} and {@code user}, per-database stats {@code database}.
 */
final class PgbouncerCompat {
    /**
     * One SHOW STATS_TOTALS column: a {@code pgbouncer_stats_totals_*} gauge (the names the issue lists) and, where
     * pgbouncer_exporter has one, the counter under its own name ({@code pgbouncer_stats_*_total}), which that
     * exporter's published dashboards query.
     */
    private record Total(String gauge, String counter, String help, ToDoubleFunction<PoolTotals> value) {
    }

    private static final List<Total> TOTALS = List.of(
            new Total("server_assignment_count", null, "Times a server was assigned to a client",
                    PoolTotals::serverAssignments),
            new Total("xact_count", "sql_transactions_pooled", "SQL transactions pooled", PoolTotals::xacts),
            new Total("query_count", "queries_pooled", "SQL queries pooled", PoolTotals::queries),
            new Total("received_bytes", "received_bytes", "Bytes received from clients", PoolTotals::received),
            new Total("sent_bytes", "sent_bytes", "Bytes sent to clients", PoolTotals::sent),
            new Total("xact_time_seconds", "server_in_transaction_seconds", "Time servers spent in transactions",
                    t -> t.xactMicros() / 1e6),
            new Total("query_time_seconds", "queries_duration_seconds", "Time servers spent in queries",
                    t -> t.queryMicros() / 1e6),
            new Total("wait_time_seconds", "client_wait_seconds", "Time clients waited for a server",
                    t -> t.waitMicros() / 1e6));

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
        for (Total t : TOTALS) {
            Family gauge = Family.gauge("pgbouncer_stats_totals_" + t.gauge(), t.help());
            Family counter = t.counter() == null ? null : Family.counter("pgbouncer_stats_" + t.counter(), t.help());
            stats.forEach((db, v) -> {
                gauge.add(t.value().applyAsDouble(v), "database", db);
                if (counter != null) {
                    counter.add(t.value().applyAsDouble(v), "database", db);
                }
            });
            out.add(gauge.snapshot());
            if (counter != null) {
                out.add(counter.snapshot());
            }
        }
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
}
