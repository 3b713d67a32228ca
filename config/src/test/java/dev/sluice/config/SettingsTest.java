// The settings table: PgBouncer defaults, lookup, spelling suggestions.
package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void defaultsMatchTheDocumentedOnes() {
        SluiceConfig c = SluiceConfig.builder().build();
        assertThat(c.listenAddr()).isEqualTo("127.0.0.1");
        assertThat(c.listenPort()).isEqualTo(6432);
        assertThat(c.authType()).isEqualTo(AuthType.MD5);
        assertThat(c.authFile()).isNull();
        assertThat(c.poolMode()).isEqualTo(PoolMode.TRANSACTION);
        assertThat(c.defaultPoolSize()).isEqualTo(20);
        assertThat(c.minPoolSize()).isZero();
        assertThat(c.reservePoolSize()).isZero();
        assertThat(c.reservePoolTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.maxClientConn()).isEqualTo(100);
        assertThat(c.maxDbConnections()).isZero();
        assertThat(c.maxUserConnections()).isZero();
        assertThat(c.serverResetQuery()).isEqualTo("DISCARD ALL");
        assertThat(c.serverResetQueryAlways()).isFalse();
        assertThat(c.adminUsers()).isEmpty();
        assertThat(c.statsUsers()).isEmpty();
        assertThat(c.ignoreStartupParameters()).isEmpty();
        assertThat(c.queryWaitTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(c.queryTimeout()).isZero();
        assertThat(c.clientLoginTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.clientIdleTimeout()).isZero();
        assertThat(c.idleTransactionTimeout()).isZero();
        assertThat(c.serverConnectTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.serverLoginRetry()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.serverLifetime()).isEqualTo(Duration.ofSeconds(3600));
        assertThat(c.serverIdleTimeout()).isEqualTo(Duration.ofSeconds(600));
        assertThat(c.serverCheckDelay()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.serverCheckQuery()).isEmpty();
        assertThat(c.cancelWaitTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.maxPacketSize()).isEqualTo(Integer.MAX_VALUE);
        assertThat(c.maxPreparedStatements()).isEqualTo(200);
        assertThat(c.applicationNameAddHost()).isFalse();
        assertThat(c.tcpKeepalive()).isTrue();
        assertThat(c.tcpKeepidle()).isZero();
        assertThat(c.tcpKeepintvl()).isZero();
        assertThat(c.tcpKeepcnt()).isZero();
        assertThat(c.tcpUserTimeout()).isZero();
        assertThat(c.logConnections()).isTrue();
        assertThat(c.logDisconnections()).isTrue();
    }

    @Test
    void tableIsConsistent() {
        Set<String> names = new HashSet<>();
        for (Setting<?> s : Settings.all()) {
            assertThat(names.add(s.name())).as("duplicate %s", s.name()).isTrue();
            assertThat(s.name()).isLowerCase();
            assertThat(s.description()).isNotBlank();
            assertThat(Settings.byName(s.name().toUpperCase())).isSameAs(s);
            assertThat(Settings.isNotImplemented(s.name())).as("%s is implemented", s.name()).isFalse();
            roundTrip(s);
        }
        assertThat(names).hasSizeGreaterThanOrEqualTo(40);
        assertThat(Settings.byName("nope")).isNull();
    }

    /** Whatever SHOW CONFIG prints for a default must load back to the same value. */
    private static <T> void roundTrip(Setting<T> s) {
        if (s.defaultValue() != null) {
            assertThat(s.parse(s.format(s.defaultValue()))).as(s.name()).isEqualTo(s.defaultValue());
        }
    }

    @Test
    void suggestions() {
        assertThat(Settings.suggest("defualt_pool_size")).isEqualTo("default_pool_size");
        assertThat(Settings.suggest("LISTEN_PROT")).isEqualTo("listen_port");
        assertThat(Settings.suggest("logfil")).isEqualTo("logfile");
        assertThat(Settings.suggest("completely_different")).isNull();
        assertThat(Settings.MAX_CLIENT_CONN.envVar()).isEqualTo("SLUICE_MAX_CLIENT_CONN");
    }
}
