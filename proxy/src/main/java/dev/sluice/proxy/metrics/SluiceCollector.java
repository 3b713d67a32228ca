// Reads pool state and counters at scrape time into the sluice_* families (and pgbouncer_exporter's names).
package dev.sluice.proxy.metrics;

import dev.sluice.proxy.Proxy;
import dev.sluice.proxy.pool.DisconnectReason;
import dev.sluice.proxy.pool.Limits;
import dev.sluice.proxy.pool.Pool;
import dev.sluice.proxy.pool.PoolSettings;
import dev.sluice.proxy.pool.PoolStats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Nothing here runs on the relay path: the proxy only bumps LongAdders and {@link Buckets}; this walks the
 * pools once per scrape (on the metrics thread), taking each pool's monitor briefly for its list sizes.
 */
final class SluiceCollector implements MultiCollector {
    private final Proxy proxy;
    private final Readiness readiness;
    private final String version;

    SluiceCollector(Proxy proxy, Readiness readiness, String version) {
        this.proxy = proxy;
        this.readiness = readiness;
        this.version = version;
    }

    @Override
    public MetricSnapshots collect() {
        List<Pool> pools = proxy.pools().all();
        boolean pgbouncerCompat = proxy.config().metricsPgbouncerCompat(); // per scrape: a reload applies
        List<MetricSnapshot> out = new ArrayList<>();
        Family clients = Family.gauge("sluice_pool_clients", "Client connections of the pool by state");
        Family servers = Family.gauge("sluice_pool_servers", "Server connections of the pool by state");
        Family size = Family.gauge("sluice_pool_size", "pool_size of the pool");
        Family limit = Family.gauge("sluice_pool_limit", "Limits that apply to the pool (0 = unlimited)");
        Family util = Family.gauge("sluice_pool_utilization_ratio", "Servers in use / pool_size");
        Family wait = Family.histogram("sluice_wait_seconds", "First message of a transaction to server assigned");
        Family xact = Family.histogram("sluice_transaction_duration_seconds", "Server assigned to server released");
        Family query = Family.histogram("sluice_query_duration_seconds", "Request sent to its ReadyForQuery");
        Family connect = Family.histogram("sluice_server_connect_seconds", "Connect and login to PostgreSQL");
        Family xacts = Family.counter("sluice_transactions", "Transactions (server assignments ended)");
        Family queries = Family.counter("sluice_queries", "Queries (requests answered by ReadyForQuery)");
        Family received = Family.counter("sluice_received_bytes", "Bytes received from clients");
        Family sent = Family.counter("sluice_sent_bytes", "Bytes received from servers and sent to clients");
        Family connects = Family.counter("sluice_server_connects", "Server logins that succeeded");
        Family failures = Family.counter("sluice_server_connect_failures", "Server connects or logins that failed");
        Family prepared = Family.counter("sluice_prepared_statements", "Prepared statement cache events on servers");
        long handoffs = 0;
        long now = System.nanoTime();
        Map<String, long[]> perDb = new LinkedHashMap<>();
        for (Pool p : pools) {
            String[] l = {"database", p.key().database(), "user", p.key().user()};
            Pool.Counts c = p.counts();
            int linked = p.clientsLinked();
            PoolSettings st = p.settings();
            PoolStats s = p.stats();
            Limits lim = p.limits();
            clients.add(linked, with(l, "state", "active"))
                    .add(c.clientsWaiting(), with(l, "state", "waiting"))
                    .add(Math.max(0, c.clientsLinkedOrIdle() - linked), with(l, "state", "idle"));
            servers.add(c.serversActive(), with(l, "state", "active")).add(c.serversIdle(), with(l, "state", "idle"))
                    .add(c.serversUsed(), with(l, "state", "used")).add(c.serversLogin(), with(l, "state", "login"))
                    .add(c.serversTesting(), with(l, "state", "testing"));
            size.add(st.poolSize(), l);
            limit.add(st.poolSize(), with(l, "limit", "pool_size"))
                    .add(st.minPoolSize(), with(l, "limit", "min_pool_size"))
                    .add(st.reservePoolSize(), with(l, "limit", "reserve_pool_size"))
                    .add(lim.maxDb(), with(l, "limit", "max_db_connections"))
                    .add(lim.maxUser(), with(l, "limit", "max_user_connections"));
            util.add((double) (c.serversActive() + c.serversUsed()) / st.poolSize(), l);
            wait.add(s.waitTime, l);
            xact.add(s.xactTime, l);
            query.add(s.queryTime, l);
            connect.add(s.connectTime, l);
            xacts.add(s.xactTime.count(), l);
            queries.add(s.queryTime.count(), l);
            received.add(s.received.sum(), l);
            sent.add(s.sent.sum(), l);
            connects.add(s.connectTime.count(), l);
            failures.add(s.connectFailures, l);
            prepared.add(s.preparedHits.sum(), with(l, "event", "hit"))
                    .add(s.preparedMisses.sum(), with(l, "event", "miss"))
                    .add(s.preparedEvictions.sum(), with(l, "event", "eviction"));
            handoffs += s.handoffs;
            if (pgbouncerCompat) {
                long[] db = perDb.computeIfAbsent(p.key().database(), k -> new long[2]);
                db[0] += st.poolSize();
                db[1] += c.servers();
            }
        }
        for (Family f : List.of(clients, servers, size, limit, util, wait, xact, query, connect, xacts, queries,
                received, sent, connects, failures, prepared)) {
            out.add(f.snapshot());
        }
        out.add(Family.counter("sluice_eventloop_handoffs", "Links that moved a server to its client's event loop")
                .add(handoffs).snapshot());
        processFamilies(out);
        if (pgbouncerCompat) {
            PgbouncerCompat.add(out, pools, perDb, proxy, now);
        }
        return new MetricSnapshots(out);
    }

    private void processFamilies(List<MetricSnapshot> out) {
        ProxyCounters pc = proxy.counters();
        Family errors = Family.counter("sluice_client_errors", "ErrorResponses sent to clients by SQLSTATE class");
        pc.errorClasses().forEach((cls, n) -> errors.add(n, "sqlstate_class", cls));
        out.add(errors.snapshot());
        Family disc = Family.counter("sluice_disconnects", "Connections closed, by side and reason");
        for (DisconnectReason r : DisconnectReason.values()) {
            disc.add(pc.clientDisconnects(r), "side", "client", "reason", r.toString());
            disc.add(pc.serverDisconnects(r), "side", "server", "reason", r.toString());
        }
        out.add(disc.snapshot());
        Family kills = Family.counter("sluice_idle_transaction_kills",
                "Clients closed by idle_transaction_timeout, by application_name (first 20 names, then other)");
        Map<String, Long> killed = pc.idleKills();
        killed.forEach((app, n) -> kills.add(n, "application_name", app));
        if (!killed.containsKey(ProxyCounters.OTHER)) {
            kills.add(0, "application_name", ProxyCounters.OTHER); // the family exists before the first kill
        }
        out.add(kills.snapshot());
        out.add(Family.gauge("sluice_clients_connected", "Client connections counted against max_client_conn")
                .add(proxy.clientCount()).snapshot());
        out.add(Family.gauge("sluice_max_client_conn", "max_client_conn").add(proxy.config().maxClientConn()).snapshot());
        out.add(Family.gauge("sluice_ready", "1 when /ready answers 200").add(readiness.cachedReady() ? 1 : 0)
                .snapshot());
        out.add(InfoSnapshot.builder().name("sluice_build").help("Sluice build")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of("version", version)).build())
                .build());
    }

    static String[] with(String[] labels, String name, String value) {
        String[] out = new String[labels.length + 2];
        System.arraycopy(labels, 0, out, 0, labels.length);
        out[labels.length] = name;
        out[labels.length + 1] = value;
        return out;
    }
}
