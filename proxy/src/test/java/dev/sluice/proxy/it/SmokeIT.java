// The shortest proof that Sluice relays: one JDBC query per pool mode through the private cluster.
package dev.sluice.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.PoolMode;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SmokeIT {
    @ParameterizedTest
    @EnumSource(PoolMode.class)
    void selectThroughEachMode(PoolMode mode) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(mode, 2);
             Connection c = sluice.connect();
             Statement st = c.createStatement()) {
            for (int i = 0; i < 3; i++) {
                try (ResultSet rs = st.executeQuery("select " + i + ", current_user")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isEqualTo(i);
                    assertThat(rs.getString(2)).isEqualTo("sluice_scram");
                }
            }
        }
    }
}
