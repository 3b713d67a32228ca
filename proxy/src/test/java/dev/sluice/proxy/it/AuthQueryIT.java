// auth_query against the private cluster: SCRAM and md5 users with no secret of theirs in Sluice's config.
package dev.sluice.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.AuthType;
import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.config.Userlist;
import dev.sluice.proxy.testkit.LogCapture;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.SluiceFixture;
import dev.sluice.proxy.testkit.TxItSupport;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The userlist holds only the auth_user (the superuser, trusted from loopback by the test cluster's
 * pg_hba). The SCRAM user's pg_hba line demands scram-sha-256, so its server logins can only succeed through
 * SCRAM pass-through of the keys its client's login proved: no plaintext password anywhere in Sluice.
 */
class AuthQueryIT {

    private static SluiceFixture start(AuthType type) throws InterruptedException {
        return SluiceFixture.start(b -> b.set(Settings.AUTH_TYPE, type)
                .set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.AUTH_USER, PgCluster.SUPERUSER)
                .userlist(Userlist.of(Map.of(PgCluster.SUPERUSER, ""))));
    }

    private static String whoAmI(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String refusal(SluiceFixture sluice, String user, String password) {
        try (Connection c = sluice.connect(user, password, new Properties())) {
            return null;
        } catch (SQLException e) {
            return TxItSupport.sqlState(e);
        }
    }

    @Test
    void scramUserLogsInAndServersUsePassThroughKeys() throws Exception {
        try (LogCapture logs = LogCapture.start("dev.sluice");
             SluiceFixture sluice = start(AuthType.SCRAM_SHA_256)) {
            try (Connection c = sluice.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, new Properties())) {
                assertThat(whoAmI(c)).isEqualTo(PgCluster.SCRAM_USER);
                assertThat(whoAmI(c)).isEqualTo(PgCluster.SCRAM_USER); // a second transaction, pooled
            }
            assertThat(sluice.pool(PgCluster.SCRAM_USER).passThrough()).isNotNull();
            assertThat(refusal(sluice, PgCluster.SCRAM_USER, "not-it")).isEqualTo("28P01");
            assertThat(refusal(sluice, "no_such_role", "x")).isEqualTo("28P01");
            LogCapture.assertNoSecretIn(logs.lines(), PgCluster.SCRAM_PASSWORD);
        }
    }

    @Test
    void md5UserLogsInWithTheMd5HashFromPostgres() throws Exception {
        try (SluiceFixture sluice = start(AuthType.MD5)) {
            try (Connection c = sluice.connect(PgCluster.MD5_USER, PgCluster.MD5_PASSWORD, new Properties())) {
                assertThat(whoAmI(c)).isEqualTo(PgCluster.MD5_USER);
            }
            assertThat(refusal(sluice, PgCluster.MD5_USER, "wrong")).isEqualTo("28P01");
            // md5 auth against a SCRAM verifier runs SCRAM, as PostgreSQL does
            try (Connection c = sluice.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, new Properties())) {
                assertThat(whoAmI(c)).isEqualTo(PgCluster.SCRAM_USER);
            }
        }
    }

    @Test
    void expiredPasswordIsRefusedByTheDefaultQuery() throws Exception {
        PgCluster pg = PgCluster.get();
        TxItSupport.adminExec(pg, "ALTER ROLE " + PgCluster.PLAIN_USER + " VALID UNTIL '2001-01-01'");
        try (SluiceFixture sluice = start(AuthType.SCRAM_SHA_256)) {
            assertThat(refusal(sluice, PgCluster.PLAIN_USER, PgCluster.PLAIN_PASSWORD)).isEqualTo("28P01");
        } finally {
            TxItSupport.adminExec(pg, "ALTER ROLE " + PgCluster.PLAIN_USER + " VALID UNTIL 'infinity'");
        }
    }

    @Test
    void failingAuthQueryRefusesTheClientAndNamesTheCauseInTheLog() throws Exception {
        try (LogCapture logs = LogCapture.start("dev.sluice");
             SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.AUTH_TYPE, AuthType.SCRAM_SHA_256)
                     .set(Settings.AUTH_USER, PgCluster.SUPERUSER)
                     .set(Settings.AUTH_QUERY, "SELECT usename, passwd FROM no_such_table WHERE usename = $1")
                     .userlist(Userlist.of(Map.of(PgCluster.SUPERUSER, ""))))) {
            assertThat(refusal(sluice, PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD)).isEqualTo("08006");
            assertThat(logs.lines()).anySatisfy(l -> assertThat(l)
                    .contains("auth_query as postgres@").contains("42P01 relation \"no_such_table\" does not exist"));
        }
    }
}
