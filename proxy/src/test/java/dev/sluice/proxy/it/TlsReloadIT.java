// TLS certificate rotation and TLS settings changed by a reload (RELOAD/SIGHUP), without dropping connections.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.it.ClientTlsIT.connect;
import static dev.sluice.proxy.it.ClientTlsIT.peerCn;
import static dev.sluice.proxy.it.ClientTlsIT.props;
import static dev.sluice.proxy.it.ClientTlsIT.selectOne;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.TlsMode;
import dev.sluice.proxy.ReloadResult;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.SluiceFixture;
import dev.sluice.proxy.testkit.TestCerts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

class TlsReloadIT {
    private static TestCerts certs;

    @BeforeAll
    static void makeCertificates() {
        certs = TestCerts.create(PgCluster.SCRAM_USER);
    }

    @AfterAll
    static void removeCertificates() {
        certs.close();
    }

    @Test
    void aReloadCanTurnTlsOn() throws Exception {
        try (SluiceFixture s = SluiceFixture.start(b -> b.set(Settings.CLIENT_TLS_SSLMODE, TlsMode.DISABLE));
             Connection plain = connect(s, props("sslmode", "disable"))) {
            assertThatThrownBy(() -> connect(s, props("sslmode", "require"))).isInstanceOf(PSQLException.class);
            SluiceConfig next = s.config().toBuilder().set(Settings.CLIENT_TLS_SSLMODE, TlsMode.REQUIRE)
                    .set(Settings.CLIENT_TLS_CERT_FILE, certs.path("server.crt"))
                    .set(Settings.CLIENT_TLS_KEY_FILE, certs.path("server.key")).build();
            assertThat(s.server().proxy().reload(next).applied()).isTrue();
            try (Connection tls = connect(s, props("sslmode", "require"))) {
                assertThat(selectOne(tls)).isEqualTo(1);
            }
            assertThatThrownBy(() -> connect(s, props("sslmode", "disable")))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
            assertThat(selectOne(plain)).isEqualTo(1); // logged in before: not dropped
        }
    }

    @Test
    void reloadSwapsTheCertificateWithoutDroppingConnections() throws Exception {
        Path live = certs.dir().resolve("live");
        Files.createDirectories(live);
        Files.copy(certs.file("server.crt"), live.resolve("cert.pem"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(certs.file("server.key"), live.resolve("key.pem"), StandardCopyOption.REPLACE_EXISTING);
        try (SluiceFixture s = SluiceFixture.start(b -> b.set(Settings.CLIENT_TLS_SSLMODE, TlsMode.REQUIRE)
                .set(Settings.CLIENT_TLS_CERT_FILE, live.resolve("cert.pem").toString())
                .set(Settings.CLIENT_TLS_KEY_FILE, live.resolve("key.pem").toString()));
             Connection before = connect(s, props("sslmode", "require"))) {
            assertThat(peerCn(s.port())).isEqualTo("CN=localhost");
            Files.copy(certs.file("wronghost.crt"), live.resolve("cert.pem"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(certs.file("wronghost.key"), live.resolve("key.pem"), StandardCopyOption.REPLACE_EXISTING);
            // RELOAD/SIGHUP: the same config, re-applied, re-reads the certificate files
            assertThat(s.server().proxy().reload(s.config()).applied()).isTrue();
            assertThat(peerCn(s.port())).isEqualTo("CN=db.example.invalid");
            assertThat(selectOne(before)).isEqualTo(1);
            // a broken file is refused by name and the running certificate stays
            Files.writeString(live.resolve("key.pem"), "not a key");
            ReloadResult refused = s.server().proxy().reload(s.config());
            assertThat(refused.applied()).isFalse();
            assertThat(refused.error()).contains("client_tls_key_file", "key.pem");
            assertThat(peerCn(s.port())).isEqualTo("CN=db.example.invalid");
            try (Connection after = connect(s, props("sslmode", "require", "channelBinding", "require"))) {
                assertThat(selectOne(after)).isEqualTo(1); // -PLUS binds to the new certificate's hash
            }
            assertThat(selectOne(before)).isEqualTo(1);
        }
    }
}
