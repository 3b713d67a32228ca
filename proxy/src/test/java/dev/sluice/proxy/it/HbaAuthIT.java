// auth_type = hba: the auth_hba_file's first matching line picks each client's method, or refuses it.
package dev.sluice.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.AuthType;
import dev.sluice.config.HbaRules;
import dev.sluice.config.Settings;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.SluiceFixture;
import dev.sluice.proxy.testkit.TxItSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HbaAuthIT {
    @TempDir
    Path dir;

    private static String refusal(SluiceFixture sluice, String user, String password) {
        try (Connection c = sluice.connect(user, password, new Properties())) {
            return c.isValid(5) ? null : "invalid";
        } catch (SQLException e) {
            return TxItSupport.sqlState(e) + " " + e.getMessage();
        }
    }

    @Test
    void eachClientGetsTheMethodOfItsFirstMatchingLine() throws Exception {
        Path hba = dir.resolve("hba.conf");
        Files.writeString(hba, String.join("\n",
                "# TYPE DATABASE USER ADDRESS METHOD",
                "host " + PgCluster.TEST_DB + " " + PgCluster.MD5_USER + " 127.0.0.1/32 md5",
                "host all " + PgCluster.TRUST_USER + " 127.0.0.0 255.0.0.0 trust",
                "host all " + PgCluster.PLAIN_USER + " ::1/128 trust",
                "host all " + PgCluster.PLAIN_USER + " 127.0.0.1/32 reject",
                "host all all 127.0.0.1/32 scram-sha-256",
                ""));
        HbaRules rules = HbaRules.load(hba);
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.AUTH_TYPE, AuthType.HBA).hba(rules))) {
            assertThat(refusal(sluice, PgCluster.MD5_USER, PgCluster.MD5_PASSWORD)).isNull();
            assertThat(refusal(sluice, PgCluster.MD5_USER, "wrong")).startsWith("28P01");
            assertThat(refusal(sluice, PgCluster.TRUST_USER, null)).isNull();
            assertThat(refusal(sluice, PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD)).isNull();
            assertThat(refusal(sluice, PgCluster.PLAIN_USER, PgCluster.PLAIN_PASSWORD))
                    .isEqualTo("28000 FATAL: no auth_hba_file entry for host \"127.0.0.1\", user \""
                            + PgCluster.PLAIN_USER + "\", database \"" + PgCluster.TEST_DB + "\"");
        }
    }
}
