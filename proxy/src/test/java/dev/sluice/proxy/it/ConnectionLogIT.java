// log_connections / log_disconnections lines: who, from where, which application; never the password.
package dev.sluice.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.AuthType;
import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.testkit.LogCapture;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgWireClient;
import dev.sluice.proxy.testkit.PgWireClient.Message;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** md5 client auth, so the raw client below can log in with a startup packet of its own making. */
class ConnectionLogIT {

    private static List<String> awaitLine(LogCapture log, Predicate<String> p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (log.lines().stream().anyMatch(p)) {
                break;
            }
            Thread.sleep(20);
        }
        return log.lines();
    }

    private static SluiceFixture start() throws InterruptedException {
        return SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.SESSION)
                .set(Settings.DEFAULT_POOL_SIZE, 2).set(Settings.AUTH_TYPE, AuthType.MD5)
                .set(Settings.LOG_CONNECTIONS, true).set(Settings.LOG_DISCONNECTIONS, true));
    }

    @Test
    void jdbcLoginAndLogoutAreLoggedWithoutSecrets() throws Exception {
        String wrong = "Wr0ng-Passw0rd-xyz";
        try (LogCapture log = LogCapture.start("dev.sluice"); SluiceFixture sluice = start()) {
            Properties p = new Properties();
            // pgjdbc SETs application_name after login, so only the logout line can carry it
            p.setProperty("ApplicationName", "log-test-app");
            try (Connection c = sluice.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, p);
                 Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select 1")) {
                assertThat(rs.next()).isTrue();
            }
            assertThatThrownBy(() -> sluice.connect(PgCluster.SCRAM_USER, wrong, new Properties()).close())
                    .isInstanceOf(SQLException.class);

            List<String> lines = awaitLine(log, l -> l.contains("logout") && l.contains("log-test-app"));
            assertThat(lines).as("login line").anySatisfy(l -> assertThat(l).startsWith("INFO")
                    .contains("login").contains("user=" + PgCluster.SCRAM_USER)
                    .contains("database=" + PgCluster.TEST_DB).contains("address=127.0.0.1:")
                    .contains("application_name="));
            assertThat(lines).as("logout line").anySatisfy(l -> assertThat(l).startsWith("INFO")
                    .contains("logout").contains("user=" + PgCluster.SCRAM_USER)
                    .contains("application_name=log-test-app"));
            lines = awaitLine(log, l -> l.contains("28P01"));
            assertThat(lines).as("refusal line").anySatisfy(l -> assertThat(l).contains("28P01"));
            LogCapture.assertNoSecretIn(lines, PgCluster.SCRAM_PASSWORD);
            LogCapture.assertNoSecretIn(lines, wrong);
        }
    }

    @Test
    void startupApplicationNameIsInTheLoginLine() throws Exception {
        try (LogCapture log = LogCapture.start("dev.sluice"); SluiceFixture sluice = start()) {
            try (PgWireClient c = PgWireClient.connect("127.0.0.1", sluice.port())) {
                Map<String, String> startup = new LinkedHashMap<>();
                startup.put("user", PgCluster.MD5_USER);
                startup.put("database", PgCluster.TEST_DB);
                startup.put("application_name", "raw-app");
                c.sendStartup(startup);
                Message ask = c.readMessage();
                assertThat(ask.authCode()).isEqualTo(5);
                byte[] salt = Arrays.copyOfRange(ask.body(), 4, 8);
                String answer = PgWireClient.md5Password(PgCluster.MD5_USER, PgCluster.MD5_PASSWORD, salt) + "\0";
                c.sendMessage('p', answer.getBytes(StandardCharsets.UTF_8));
                List<Message> welcome = c.readUntilReady();
                assertThat(welcome).extracting(Message::type).doesNotContain('E').contains('Z');
                assertThat(c.simpleQuery("show application_name")).containsExactly(List.of("raw-app"));
            }
            List<String> lines = awaitLine(log, l -> l.contains("logout") && l.contains(PgCluster.MD5_USER));
            assertThat(lines).as("login line").anySatisfy(l -> assertThat(l).startsWith("INFO").contains("login")
                    .contains("user=" + PgCluster.MD5_USER).contains("database=" + PgCluster.TEST_DB)
                    .contains("address=127.0.0.1:").contains("application_name=raw-app"));
            assertThat(lines).as("logout line").anySatisfy(l -> assertThat(l).contains("logout")
                    .contains("user=" + PgCluster.MD5_USER).contains("application_name=raw-app"));
            LogCapture.assertNoSecretIn(lines, PgCluster.MD5_PASSWORD);
        }
    }
}
