// Checks the test harness itself: PgWireClient against the test PostgreSQL cluster, and PgCluster's helpers.
package dev.sluice.proxy.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import dev.sluice.proxy.testkit.PgWireClient.Message;
import dev.sluice.proxy.testkit.PgWireClient.PgError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@ExtendWith(PgClusterExtension.class)
class PgWireClientTest {

    private static PgWireClient connect(PgCluster pg) {
        return PgWireClient.connect(pg.host(), pg.port());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "sluice_trust, ''",
        "sluice_plain, plain-secret",
        "sluice_md5, md5-secret",
        "sluice_scram, scram-secret",
    })
    void logsInWithEachAuthMethodAndQueries(String user, String password, PgCluster pg) {
        try (PgWireClient c = connect(pg)) {
            List<Message> startup = c.login(user, password.isEmpty() ? null : password, PgCluster.TEST_DB);
            assertThat(startup.get(startup.size() - 1).txStatus()).isEqualTo('I');
            assertThat(c.parameters()).containsEntry("server_encoding", "UTF8").containsKey("server_version");
            assertThat(c.backendPid()).isPositive();
            assertThat(c.simpleQuery("SELECT current_user, 1 + 1, NULL::text"))
                    .containsExactly(java.util.Arrays.asList(user, "2", null));
        }
    }

    @Test
    void authMethodsAreReallyEnforced(PgCluster pg) throws Exception {
        PgCluster.assumeControllable();
        // Guards against a pg_hba that silently trusts everyone, which would make the auth tests meaningless.
        try (PgWireClient c = connect(pg)) {
            c.sendStartup(Map.of("user", PgCluster.SCRAM_USER, "database", PgCluster.TEST_DB));
            assertThat(c.readMessage().authCode()).isEqualTo(10);
        }
        try (PgWireClient c = connect(pg)) {
            c.sendStartup(Map.of("user", PgCluster.MD5_USER, "database", PgCluster.TEST_DB));
            assertThat(c.readMessage().authCode()).isEqualTo(5);
        }
        try (PgWireClient c = connect(pg)) {
            c.sendStartup(Map.of("user", PgCluster.PLAIN_USER, "database", PgCluster.TEST_DB));
            assertThat(c.readMessage().authCode()).isEqualTo(3);
        }
        try (Connection admin = pg.adminConnection(); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT rolname, left(rolpassword, 3) FROM pg_authid"
                     + " WHERE rolname IN ('sluice_scram', 'sluice_md5') ORDER BY rolname")) {
            rs.next();
            assertThat(rs.getString(2)).isEqualTo("md5");
            rs.next();
            assertThat(rs.getString(2)).isEqualTo("SCR");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"sluice_scram", "sluice_md5", "sluice_plain"})
    void wrongPasswordIsRejected(String user, PgCluster pg) {
        // Only our own pg_hba.conf is known to demand passwords; an external server may trust everyone.
        PgCluster.assumeControllable();
        try (PgWireClient c = connect(pg)) {
            assertThatThrownBy(() -> c.login(user, "wrong", PgCluster.TEST_DB))
                    .isInstanceOf(PgError.class)
                    .satisfies(e -> assertThat(((PgError) e).code()).isEqualTo("28P01"));
        }
    }

    @Test
    void errorsAndTransactionStatus(PgCluster pg) {
        try (PgWireClient c = connect(pg)) {
            c.login(PgCluster.TRUST_USER, null, PgCluster.TEST_DB);
            c.query("BEGIN");
            assertThat(last(c.readUntilReady()).txStatus()).isEqualTo('T');
            c.query("SELECT 1/0");
            List<Message> msgs = c.readUntilReady();
            Message err = msgs.stream().filter(m -> m.type() == 'E').findFirst().orElseThrow();
            assertThat(err.errorCode()).isEqualTo("22012");
            assertThat(err.errorMessage()).contains("division by zero");
            assertThat(last(msgs).txStatus()).isEqualTo('E');
            assertThatThrownBy(() -> c.simpleQuery("SELECT 1"))
                    .isInstanceOf(PgError.class)
                    .satisfies(e -> assertThat(((PgError) e).code()).isEqualTo("25P02"));
            c.query("ROLLBACK");
            assertThat(last(c.readUntilReady()).txStatus()).isEqualTo('I');
        }
    }

    @Test
    void extendedProtocolRoundTrip(PgCluster pg) {
        try (PgWireClient c = connect(pg)) {
            c.login(PgCluster.TRUST_USER, null, PgCluster.TEST_DB);
            c.parse("s1", "SELECT $1::int + 1 AS n, $2::text AS t", 23, 25);
            c.describe('S', "s1");
            c.bind("", "s1", java.util.Arrays.asList("41", null));
            c.execute("", 0);
            c.sync();
            List<Message> msgs = c.readUntilReady();
            assertThat(types(msgs)).isEqualTo("1tT2DCZ");
            assertThat(msgs.get(4).dataRowText()).containsExactly("42", null);
            assertThat(msgs.get(5).commandTag()).isEqualTo("SELECT 1");

            // The named statement survives the Sync, so it can be re-bound; Flush returns results without Sync.
            c.bind("p", "s1", List.of("1", "x"));
            c.describe('P', "p");
            c.execute("p", 0);
            c.flush();
            assertThat(c.readMessage().type()).isEqualTo('2');
            assertThat(c.readMessage().type()).isEqualTo('T');
            assertThat(c.readMessage().dataRowText()).containsExactly("2", "x");
            assertThat(c.readMessage().type()).isEqualTo('C');
            c.close('S', "s1");
            c.sync();
            assertThat(types(c.readUntilReady())).isEqualTo("3Z");
        }
    }

    @Test
    void sslRequestIsAnswered(PgCluster pg) {
        try (PgWireClient c = connect(pg)) {
            c.sendSslRequest();
            int answer = c.readByte();
            assertThat((char) answer).isIn('S', 'N');
            if (answer == 'N') {
                // After a refusal the same socket carries a normal startup.
                c.login(PgCluster.TRUST_USER, null, PgCluster.TEST_DB);
                assertThat(c.simpleQuery("SELECT 1")).containsExactly(List.of("1"));
            }
        }
    }

    @Test
    void detectsServerSideClose(PgCluster pg) throws Exception {
        try (PgWireClient c = connect(pg)) {
            c.login(PgCluster.TRUST_USER, null, PgCluster.TEST_DB);
            assertThat(c.isClosedByPeer(Duration.ofMillis(200))).isFalse();
            assertThat(c.simpleQuery("SELECT 1")).hasSize(1);
            try (Connection admin = pg.adminConnection(); Statement st = admin.createStatement()) {
                st.execute("SELECT pg_terminate_backend(" + c.backendPid() + ")");
            }
            assertThat(c.isClosedByPeer(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void clusterReportsBackendsAndStates(PgCluster pg) {
        String user = PgCluster.TRUST_USER;
        try (PgWireClient a = connect(pg); PgWireClient b = connect(pg)) {
            a.login(user, null, PgCluster.TEST_DB);
            b.login(user, null, PgCluster.TEST_DB);
            a.simpleQuery("BEGIN");
            assertThat(pg.countBackends(user)).isEqualTo(2);
            assertThat(pg.backendStates(user)).containsExactlyInAnyOrder("idle", "idle in transaction");
            b.close();
            waitUntil(() -> pg.countBackends(user) == 1, Duration.ofSeconds(5));
        }
        waitUntil(() -> pg.countBackends(user) == 0, Duration.ofSeconds(5));
    }

    @Test
    void restartKeepsPortAndDropsClients(PgCluster pg) throws Exception {
        PgCluster.assumeControllable();
        int port = pg.port();
        try (PgWireClient c = connect(pg)) {
            c.login(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, PgCluster.TEST_DB);
            c.simpleQuery("CREATE TABLE IF NOT EXISTS restart_probe(v int); INSERT INTO restart_probe VALUES (7)");
            pg.restart();
            assertThat(c.isClosedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(pg.port()).isEqualTo(port);
        assertThat(pg.logFile()).exists();
        try (PgWireClient c = connect(pg)) {
            c.login(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, PgCluster.TEST_DB);
            assertThat(c.simpleQuery("SELECT count(*) > 0 FROM restart_probe")).containsExactly(List.of("t"));
            c.simpleQuery("DROP TABLE restart_probe");
        }
    }

    private static Message last(List<Message> msgs) {
        return msgs.get(msgs.size() - 1);
    }

    private static String types(List<Message> msgs) {
        return msgs.stream().map(m -> String.valueOf(m.type())).collect(Collectors.joining());
    }

    private static void waitUntil(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
