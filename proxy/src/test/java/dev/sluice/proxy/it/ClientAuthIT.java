// Client authentication to Sluice for every auth_type, with plain, md5 and SCRAM secrets in the userlist.
package dev.sluice.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.AuthType;
import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.config.Userlist;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.util.PSQLException;

class ClientAuthIT {

    private static SluiceFixture start(AuthType type) throws InterruptedException {
        return SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.SESSION)
                .set(Settings.DEFAULT_POOL_SIZE, 2).set(Settings.AUTH_TYPE, type));
    }

    private static String currentUser(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void assertRefused(SluiceFixture sluice, String user, String password, String sqlState) {
        assertThatThrownBy(() -> {
            try (Connection c = sluice.connect(user, password, new Properties())) {
                currentUser(c);
            }
        }).isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState())
                .as("SQLSTATE of: %s", e.getMessage()).isEqualTo(sqlState));
    }

    @ParameterizedTest
    @EnumSource(value = AuthType.class, names = {"SCRAM_SHA_256", "MD5", "PLAIN"})
    void rightPasswordWorksWrongPasswordIs28P01(AuthType type) throws Exception {
        try (SluiceFixture sluice = start(type)) {
            for (String[] up : new String[][] {{PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD},
                    {PgCluster.MD5_USER, PgCluster.MD5_PASSWORD}, {PgCluster.PLAIN_USER, PgCluster.PLAIN_PASSWORD}}) {
                try (Connection c = sluice.connect(up[0], up[1], new Properties())) {
                    assertThat(currentUser(c)).isEqualTo(up[0]);
                }
                assertRefused(sluice, up[0], up[1] + "-wrong", "28P01");
            }
        }
    }

    @Test
    void trustAcceptsAnyPasswordForListedUsersAndRefusesOthers() throws Exception {
        try (SluiceFixture sluice = start(AuthType.TRUST)) {
            try (Connection c = sluice.connect(PgCluster.SCRAM_USER, "not-the-password", new Properties())) {
                assertThat(currentUser(c)).isEqualTo(PgCluster.SCRAM_USER);
            }
            try (Connection c = sluice.connect(PgCluster.SCRAM_USER, null, new Properties())) {
                assertThat(currentUser(c)).isEqualTo(PgCluster.SCRAM_USER);
            }
            try (Connection c = sluice.connect(PgCluster.TRUST_USER, null, new Properties())) {
                assertThat(currentUser(c)).isEqualTo(PgCluster.TRUST_USER);
            }
            assertRefused(sluice, "nobody_here", null, "28000");
            assertRefused(sluice, "nobody_here", "whatever", "28000");
        }
    }

    @Test
    void md5SecretInUserlistWithMd5Auth() throws Exception {
        String md5Secret = "md5" + md5Hex(PgCluster.MD5_PASSWORD + PgCluster.MD5_USER);
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.SESSION)
                .set(Settings.AUTH_TYPE, AuthType.MD5)
                .userlist(Userlist.of(Map.of(PgCluster.MD5_USER, md5Secret))))) {
            try (Connection c = sluice.connect(PgCluster.MD5_USER, PgCluster.MD5_PASSWORD, new Properties())) {
                assertThat(currentUser(c)).isEqualTo(PgCluster.MD5_USER);
            }
            assertRefused(sluice, PgCluster.MD5_USER, "md5-wrong", "28P01");
            // the stored hash itself is not a password
            assertRefused(sluice, PgCluster.MD5_USER, md5Secret, "28P01");
        }
    }

    @Test
    void scramVerifierInUserlistWithScramAuth() throws Exception {
        String verifier;
        try (Connection admin = PgCluster.get().adminConnection(); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("select rolpassword from pg_authid where rolname = '"
                     + PgCluster.SCRAM_USER + "'")) {
            assertThat(rs.next()).isTrue();
            verifier = rs.getString(1);
        }
        assertThat(verifier).startsWith("SCRAM-SHA-256$");
        Map<String, String> users = new LinkedHashMap<>();
        users.put(PgCluster.SCRAM_USER, verifier);
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.SESSION)
                .set(Settings.AUTH_TYPE, AuthType.SCRAM_SHA_256).userlist(Userlist.of(users)))) {
            try (Connection c = sluice.connect()) {
                assertThat(currentUser(c)).isEqualTo(PgCluster.SCRAM_USER);
            }
            assertRefused(sluice, PgCluster.SCRAM_USER, "scram-wrong", "28P01");
        }
    }

    @Test
    void unknownUserWithScramIs28P01() throws Exception {
        try (SluiceFixture sluice = start(AuthType.SCRAM_SHA_256)) {
            assertRefused(sluice, "nobody_here", "whatever", "28P01");
        }
    }

    @Test
    void unknownDatabaseIs3D000() throws Exception {
        try (SluiceFixture sluice = start(AuthType.SCRAM_SHA_256)) {
            Properties p = new Properties();
            p.setProperty("user", PgCluster.SCRAM_USER);
            p.setProperty("password", PgCluster.SCRAM_PASSWORD);
            p.setProperty("connectTimeout", "10");
            assertThatThrownBy(() -> DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + sluice.port() + "/no_such_db", p).close())
                    .isInstanceOfSatisfying(PSQLException.class,
                            e -> assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("3D000"));
            // and the listener still serves the right database
            try (Connection c = sluice.connect()) {
                assertThat(currentUser(c)).isEqualTo(PgCluster.SCRAM_USER);
            }
        }
    }

    private static String md5Hex(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
