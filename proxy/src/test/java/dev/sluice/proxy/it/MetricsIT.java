// /metrics during a pgbench run: strict text-format parse (and promtool), contract families, counters moving.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.metrics.MetricsEndpoint;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.PromText;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PgClusterExtension.class)
@Timeout(120)
class MetricsIT {
    private static final String DB = PgCluster.TEST_DB;
    private static final String USER = PgCluster.SCRAM_USER;
    /** Families of the agreed contract as their TYPE lines name them (text format 0.0.4: counters with _total). */
    private static final List<String> FAMILIES = List.of("sluice_pool_clients", "sluice_pool_servers",
            "sluice_pool_size", "sluice_pool_limit", "sluice_pool_utilization_ratio", "sluice_wait_seconds",
            "sluice_transaction_duration_seconds", "sluice_query_duration_seconds", "sluice_transactions_total",
            "sluice_queries_total", "sluice_received_bytes_total", "sluice_sent_bytes_total", "sluice_server_connects_total",
            "sluice_server_connect_failures_total", "sluice_server_connect_seconds", "sluice_client_errors_total",
            "sluice_disconnects_total", "sluice_idle_transaction_kills_total", "sluice_prepared_statements_total",
            "sluice_eventloop_handoffs_total", "sluice_clients_connected", "sluice_max_client_conn", "sluice_ready",
            "sluice_build_info", "pgbouncer_up", "pgbouncer_pools_client_active_connections",
            "pgbouncer_pools_client_waiting_connections", "pgbouncer_pools_server_active_connections",
            "pgbouncer_pools_server_idle_connections", "pgbouncer_pools_server_used_connections",
            "pgbouncer_pools_server_login_connections", "pgbouncer_pools_client_maxwait_seconds",
            "pgbouncer_stats_totals_xact_count", "pgbouncer_stats_totals_query_count",
            "pgbouncer_stats_totals_received_bytes", "pgbouncer_stats_totals_sent_bytes",
            "pgbouncer_stats_totals_xact_time_seconds", "pgbouncer_stats_totals_query_time_seconds",
            "pgbouncer_stats_totals_wait_time_seconds", "pgbouncer_databases_pool_size",
            "pgbouncer_databases_current_connections", "pgbouncer_config_max_client_connections",
            "jvm_memory_used_bytes", "process_cpu_usage");

    private final HttpClient http = HttpClient.newHttpClient();

    private String get(SluiceFixture f, String path) throws Exception {
        return http.send(request(f, path), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static HttpRequest request(SluiceFixture f, String path) {
        MetricsEndpoint m = f.server().metrics();
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.address().getPort() + path)).build();
    }

    private static SluiceFixture sluice() throws InterruptedException {
        return SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, 4).set(Settings.METRICS_LISTEN, "127.0.0.1:0"));
    }

    @Test
    void scrapeDuringPgbenchParsesAndCountersMove() throws Exception {
        String pgbench = AdminConsoleIT.onPath("pgbench");
        Assumptions.assumeTrue(pgbench != null, "pgbench is not on PATH");
        Path script = Files.createTempFile("sluice-metrics", ".sql");
        Files.writeString(script, "\\set n random(1, 1000)\nBEGIN;\nSELECT :n;\nSELECT :n + 1;\nEND;\nSELECT :n;\n");
        try (SluiceFixture f = sluice()) {
            try (Connection c = f.connect(); Statement st = c.createStatement()) {
                st.execute("select 1/0");
            } catch (SQLException expected) {
                assertThat(expected.getSQLState()).isEqualTo("22012");
            }
            // one thread per client: pgbench's blocking PQprepare would otherwise stall a thread whose other
            // clients hold every server in an open transaction (see PreparedStatementPgbenchIT)
            ProcessBuilder pb = new ProcessBuilder(pgbench, "-n", "-M", "prepared", "-f", script.toString(),
                    "-c", "8", "-j", "8", "-T", "3", "-h", "127.0.0.1", "-p", String.valueOf(f.port()), "-U", USER, DB)
                    .redirectErrorStream(true);
            pb.environment().put("PGPASSWORD", PgCluster.SCRAM_PASSWORD);
            pb.environment().put("PGSSLMODE", "disable");
            Path out = Files.createTempFile("sluice-metrics-pgbench", ".log");
            pb.redirectOutput(out.toFile());
            Process bench = pb.start();
            List<PromText> during = new ArrayList<>();
            try {
                while (bench.isAlive() && during.size() < 20) {
                    Thread.sleep(400);
                    during.add(PromText.parse(get(f, "/metrics")));
                }
                assertThat(bench.waitFor(60, TimeUnit.SECONDS)).isTrue();
            } finally {
                bench.destroyForcibly();
            }
            String log = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(bench.exitValue()).as(log).isZero();
            String text = get(f, "/metrics");
            PromText last = PromText.parse(text);
            for (String family : FAMILIES) {
                assertThat(last.types()).as("family %s", family).containsKey(family);
            }
            assertThat(last.types().get("sluice_wait_seconds")).isEqualTo("histogram");
            assertThat(last.types().get("sluice_transactions_total")).isEqualTo("counter");
            assertThat(during).as("scrapes while pgbench ran").hasSizeGreaterThanOrEqualTo(2);
            double mid = during.get(during.size() / 2).value("sluice_transactions_total", "database", DB, "user", USER);
            double end = last.value("sluice_transactions_total", "database", DB, "user", USER);
            assertThat(mid).isPositive();
            assertThat(end).isGreaterThan(mid);
            for (String counter : List.of("sluice_queries_total", "sluice_received_bytes_total", "sluice_sent_bytes_total")) {
                assertThat(last.value(counter, "database", DB, "user", USER)).as(counter)
                        .isGreaterThan(during.get(0).value(counter, "database", DB, "user", USER));
            }
            assertThat(last.value("sluice_wait_seconds_count", "database", DB, "user", USER)).isGreaterThan(end / 2);
            assertThat(last.sum("sluice_wait_seconds_bucket", "le", "+Inf"))
                    .isEqualTo(last.sum("sluice_wait_seconds_count"));
            assertThat(last.value("sluice_server_connects_total", "database", DB, "user", USER)).isGreaterThanOrEqualTo(1.0);
            assertThat(last.value("sluice_server_connect_seconds_count", "database", DB, "user", USER))
                    .isEqualTo(last.value("sluice_server_connects_total", "database", DB, "user", USER));
            assertThat(last.sum("sluice_pool_servers", "database", DB, "user", USER)).isLessThanOrEqualTo(4.0);
            assertThat(last.value("sluice_prepared_statements_total", "database", DB, "user", USER, "event", "hit"))
                    .isPositive();
            assertThat(last.value("sluice_client_errors_total", "sqlstate_class", "22")).isEqualTo(1.0);
            assertThat(last.value("sluice_disconnects_total", "side", "client", "reason", "client close request"))
                    .isGreaterThanOrEqualTo(9.0);
            assertThat(last.value("sluice_pool_size", "database", DB, "user", USER)).isEqualTo(4.0);
            assertThat(last.value("pgbouncer_stats_totals_xact_count", "database", DB)).isEqualTo(end);
            // the names pgbouncer_exporter's own dashboards query, as counters
            assertThat(last.value("pgbouncer_stats_sql_transactions_pooled_total", "database", DB)).isEqualTo(end);
            assertThat(last.value("pgbouncer_stats_queries_pooled_total", "database", DB)).isPositive();
            assertThat(last.value("pgbouncer_stats_client_wait_seconds_total", "database", DB)).isNotNegative();
            assertThat(last.value("sluice_ready")).isEqualTo(1.0);
            promtool(text);
        }
    }

    /** promtool's own lint of the scrape, when installed; Sluice's families must raise no complaint. */
    private static void promtool(String text) throws Exception {
        String promtool = AdminConsoleIT.onPath("promtool");
        if (promtool == null) {
            System.out.println("MetricsIT: promtool not on PATH, skipping its check (strict parser only)");
            return;
        }
        Process p = new ProcessBuilder(promtool, "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        List<String> ours = Arrays.stream(out.split("\n"))
                .filter(l -> l.contains("sluice_") || l.contains("pgbouncer_") || l.contains("error"))
                // the compatibility names are pgbouncer_exporter's own; promtool's style lint dislikes their _count
                .filter(l -> !(l.startsWith("pgbouncer_stats_totals_") && l.contains("should not have \"_count\" suffix")))
                .toList();
        assertThat(ours).as("promtool check metrics:\n%s", out).isEmpty();
    }

    @Test
    void idleTransactionKillsAreCountedByApplicationName() throws Exception {
        try (SluiceFixture f = SluiceFixture.start(b -> b.set(Settings.METRICS_LISTEN, "127.0.0.1:0")
                .set(Settings.IDLE_TRANSACTION_TIMEOUT, Duration.ofSeconds(1)))) {
            Properties p = new Properties();
            p.setProperty("ApplicationName", "idler");
            try (Connection c = f.connect(USER, PgCluster.SCRAM_PASSWORD, p); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("select 1"); // then sits idle inside the transaction
                await(Duration.ofSeconds(15), "the idle-kill counted",
                        () -> {
                            try {
                                Double v = PromText.parse(get(f, "/metrics")).value(
                                        "sluice_idle_transaction_kills_total", "application_name", "idler");
                                return v != null && v == 1.0;
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
            }
            PromText m = PromText.parse(get(f, "/metrics"));
            assertThat(m.value("sluice_disconnects_total", "side", "client", "reason", "idle_transaction_timeout"))
                    .isEqualTo(1.0);
            assertThat(m.value("sluice_client_errors_total", "sqlstate_class", "25")).isEqualTo(1.0);
        }
    }

    @Test
    void healthAndReadyAnswer() throws Exception {
        try (SluiceFixture f = sluice()) {
            HttpResponse<String> health = http.send(request(f, "/health"), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            HttpResponse<String> ready = http.send(request(f, "/ready"), HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(http.send(request(f, "/nope"), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        }
    }

    /** The figures for the issue: scrape size and time with 100 pools (printed, and kept in target/). */
    @Test
    void scrapeOfAHundredPools() throws Exception {
        try (SluiceFixture f = SluiceFixture.start(b -> b.set(Settings.METRICS_LISTEN, "127.0.0.1:0")
                .database(DatabaseConfig.of("*", f0().host(), f0().port(), DB, null, null)))) {
            for (int i = 0; i < 100; i++) {
                f.server().proxy().pools().pool("db" + i, USER);
            }
            String text = get(f, "/metrics");
            for (int i = 0; i < 5; i++) {
                get(f, "/metrics"); // warm-up
            }
            int runs = 20;
            long[] nanos = new long[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                text = get(f, "/metrics");
                nanos[i] = System.nanoTime() - t0;
            }
            Arrays.sort(nanos);
            PromText parsed = PromText.parse(text);
            assertThat(parsed.samples().stream().filter(s -> s.name().equals("sluice_pool_size")).count())
                    .isEqualTo(100);
            int bytes = text.getBytes(StandardCharsets.UTF_8).length;
            long sluiceLines = text.lines().filter(l -> l.startsWith("sluice_") || l.startsWith("pgbouncer_")).count();
            String figures = String.format("scrape with 100 pools: %d bytes, %d lines (%d sluice_/pgbouncer_ samples),"
                            + " median %.1f ms, max %.1f ms over %d HTTP scrapes%n", bytes, text.lines().count(),
                    sluiceLines, nanos[runs / 2] / 1e6, nanos[runs - 1] / 1e6, runs);
            System.out.print("MetricsIT: " + figures);
            Files.writeString(Path.of("target", "scrape-100-pools.txt"), figures);
        }
    }

    private static PgCluster f0() {
        return PgCluster.get();
    }
}
