// Every metric name that deploy/'s alert rules and Grafana dashboards query exists in a live scrape of Sluice.
package dev.sluice.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.Setting;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.proxy.deploy.MetricNames;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Names are taken from the files themselves (deploy/prometheus/sluice-alerts.yml, deploy/grafana/dashboards/*.json),
 * so a dashboard or rule that queries a name Sluice does not export fails here. Labelled families only appear
 * once something was counted, so the test first makes Sluice count each kind of event.
 */
class DeployMetricNamesIT {

    @Test
    void everyNameInTheRulesAndDashboardsIsScraped() throws Exception {
        int metricsPort = freePort();
        int closedPort = freePort();
        try (SluiceFixture sluice = SluiceFixture.start(b -> {
            set(b, "metrics_listen", "127.0.0.1:" + metricsPort);
            b.set(Settings.IDLE_TRANSACTION_TIMEOUT, Duration.ofSeconds(1));
            // a database whose backend refuses connections: its connect failures are counted
            b.database(DatabaseConfig.of("unreachable", "127.0.0.1", closedPort, PgCluster.TEST_DB, null, null));
            return b;
        })) {
            Set<String> scraped;
            try (Connection idle = exercise(sluice)) {
                // the idle-transaction kill is counted when the janitor finds it: wait for that (bounded); the
                // family itself exists from the start (an "other" series at 0), the application's series not
                String kill = "sluice_idle_transaction_kills_total{application_name=\"deploy-metric-names\"} 1";
                String body = scrapeUntil(metricsPort, kill, Duration.ofSeconds(20));
                assertThat(body).contains(kill);
                scraped = sampleNames(body);
            }
            Set<String> wanted = new TreeSet<>(MetricNames.inAlertRules());
            wanted.addAll(MetricNames.inDashboards());
            assertThat(wanted).hasSizeGreaterThan(30);
            Set<String> missing = new TreeSet<>(wanted);
            missing.removeAll(scraped);
            assertThat(missing).as("names the rules or dashboards query but a live /metrics scrape lacks").isEmpty();
        }
    }

    /**
     * Transactions, queries, a prepared statement reused, an error and a failed backend connect; returns a
     * connection left idle inside a transaction, for idle_transaction_timeout to kill.
     */
    private static Connection exercise(SluiceFixture sluice) throws Exception {
        Properties named = new Properties();
        named.setProperty("prepareThreshold", "1");
        named.setProperty("ApplicationName", "deploy-metric-names");
        try (Connection c = sluice.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, named)) {
            c.createStatement().execute("select 1");
            try (PreparedStatement ps = c.prepareStatement("select ?::int + 1")) {
                for (int i = 0; i < 3; i++) {
                    ps.setInt(1, i);
                    ps.executeQuery().close();
                }
            }
            try (Statement st = c.createStatement()) {
                assertThatThrownBy(() -> st.execute("select 1/0")).isInstanceOf(SQLException.class)
                        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("22012");
            }
        }
        String unreachable = "jdbc:postgresql://127.0.0.1:" + sluice.port() + "/unreachable";
        assertThatThrownBy(() -> {
            try (Connection c = DriverManager.getConnection(unreachable, PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD)) {
                c.createStatement().execute("select 1");
            }
        }).isInstanceOf(SQLException.class).extracting(e -> ((SQLException) e).getSQLState()).asString().startsWith("08");
        Connection idle = sluice.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, named);
        idle.setAutoCommit(false);
        try (Statement st = idle.createStatement()) {
            st.execute("select 1");
        }
        return idle;
    }

    /** Sample names of a Prometheus text exposition: the part of each line before labels or the value. */
    private static Set<String> sampleNames(String body) {
        Set<String> names = new TreeSet<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    private static String scrapeUntil(int port, String needle, Duration limit) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build();
        long deadline = System.nanoTime() + limit.toNanos();
        String body;
        do {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            body = r.body();
            if (body.contains(needle)) {
                return body;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        return body;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Sets a setting by name, so this compiles before the setting's constant exists. */
    private static void set(SluiceConfig.Builder b, String name, String value) {
        Setting<?> s = Settings.byName(name);
        assertThat(s).as("setting %s", name).isNotNull();
        setParsed(b, s, value);
    }

    private static <T> void setParsed(SluiceConfig.Builder b, Setting<T> s, String value) {
        b.set(s, s.parse(value));
    }
}
