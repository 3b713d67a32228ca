// /ready follows the backend: 503 with a reason while its own throwaway PostgreSQL is stopped, 200 once back.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.AuthType;
import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.Userlist;
import dev.sluice.proxy.SluiceServer;
import dev.sluice.proxy.testkit.PgCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Never touches the shared test cluster: it stops and starts a private one of its own. */
@Timeout(180)
class ReadyIT {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> ready(SluiceServer s) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.metrics().address().getPort()
                + "/ready")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private boolean status(SluiceServer s, int code) {
        try {
            return ready(s).statusCode() == code;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void readyFlipsTo503WhenTheBackendStopsAndBackWhenItStarts() throws Exception {
        PgCluster pg = PgCluster.createThrowaway();
        try {
            SluiceConfig cfg = SluiceConfig.builder()
                    .set(Settings.LISTEN_ADDR, "127.0.0.1").set(Settings.LISTEN_PORT, 0)
                    .set(Settings.AUTH_TYPE, AuthType.TRUST)
                    .set(Settings.METRICS_LISTEN, "127.0.0.1:0")
                    .set(Settings.LOG_CONNECTIONS, false).set(Settings.LOG_DISCONNECTIONS, false)
                    .database(DatabaseConfig.of("postgres", pg.host(), pg.port(), "postgres", null, null))
                    .userlist(Userlist.of(Map.of(PgCluster.SUPERUSER, "")))
                    .build();
            try (SluiceServer s = SluiceServer.start(cfg, 1)) {
                assertThat(ready(s).statusCode()).as(ready(s).body()).isEqualTo(200);
                Properties p = new Properties();
                p.setProperty("user", PgCluster.SUPERUSER);
                p.setProperty("connectTimeout", "10");
                try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + s.port() + "/postgres", p);
                     Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select 1")) {
                    assertThat(rs.next()).isTrue(); // the pool now holds a logged-in server
                }
                pg.stop();
                await(Duration.ofSeconds(20), "/ready answers 503 with the backend stopped", () -> status(s, 503));
                HttpResponse<String> down = ready(s);
                assertThat(down.body().strip()).startsWith("no backend reachable").doesNotContain("\n");
                pg.start();
                await(Duration.ofSeconds(20), "/ready answers 200 with the backend back", () -> status(s, 200));
                assertThat(ready(s).body().strip()).isEqualTo("ready");
            }
        } finally {
            pg.destroyNow();
        }
    }
}
