// TLS between clients and Sluice: sslmodes, direct TLS, SCRAM-SHA-256-PLUS, auth_type cert, refusals and reload.
package dev.sluice.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.AuthType;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.TlsMode;
import dev.sluice.proxy.testkit.LogCapture;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgWireClient;
import dev.sluice.proxy.testkit.SluiceFixture;
import dev.sluice.proxy.testkit.TestCerts;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

class ClientTlsIT {
    private static TestCerts certs;

    @BeforeAll
    static void makeCertificates() {
        certs = TestCerts.create(PgCluster.SCRAM_USER);
    }

    @AfterAll
    static void removeCertificates() {
        certs.close();
    }

    private static SluiceFixture start(TlsMode mode, String certName, UnaryOperator<SluiceConfig.Builder> more)
            throws InterruptedException {
        return SluiceFixture.start(b -> more.apply(b.set(Settings.CLIENT_TLS_SSLMODE, mode)
                .set(Settings.CLIENT_TLS_CERT_FILE, certs.path(certName + ".crt"))
                .set(Settings.CLIENT_TLS_KEY_FILE, certs.path(certName + ".key"))
                .set(Settings.CLIENT_TLS_CA_FILE, certs.path("ca.crt"))
                .set(Settings.DEFAULT_POOL_SIZE, 2)));
    }

    private static SluiceFixture start(TlsMode mode) throws InterruptedException {
        return start(mode, "server", b -> b);
    }

    static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    static Connection connect(SluiceFixture s, Properties p) throws SQLException {
        return s.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, p);
    }

    static int selectOne(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** A TLS socket to Sluice that trusts anything (these tests check Sluice's side, not the client's checks). */
    static SSLSocket tlsSocket(int port, String... alpn) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        SSLParameters params = s.getSSLParameters();
        params.setApplicationProtocols(alpn);
        s.setSSLParameters(params);
        s.startHandshake();
        return s;
    }

    static String peerCn(int port) throws Exception {
        try (SSLSocket s = tlsSocket(port, "postgresql")) {
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }

    /** The mechanisms of the AuthenticationSASL request answering a startup as the SCRAM user. */
    private static java.util.List<String> saslMechanisms(PgWireClient c) {
        c.sendStartup(java.util.Map.of("user", PgCluster.SCRAM_USER, "database", PgCluster.TEST_DB));
        PgWireClient.Message m = c.readMessage();
        assertThat(m.type()).isEqualTo('R');
        assertThat(m.authCode()).isEqualTo(10);
        java.util.List<String> out = new java.util.ArrayList<>();
        byte[] b = m.body();
        int start = 4;
        for (int i = 4; i < b.length; i++) {
            if (b[i] == 0) {
                if (i > start) {
                    out.add(new String(b, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** True when the peer closes within a bounded number of bytes (or resets). */
    private static boolean readsToTheEnd(PgWireClient c) {
        try {
            for (int i = 0; i < 10_000; i++) {
                if (c.readByte() < 0) {
                    return true;
                }
            }
            return false;
        } catch (java.io.UncheckedIOException e) {
            return !(e.getCause() instanceof java.net.SocketTimeoutException); // reset: closed; timeout: hung
        }
    }

    /** Runs psql with a conninfo string; returns exit code and output. */
    private static String[] psql(String conninfo, String command) throws Exception {
        java.nio.file.Path psql = JdbcRelayIT.findOnPath("psql");
        org.junit.jupiter.api.Assumptions.assumeTrue(psql != null, "psql is not on PATH");
        ProcessBuilder pb = new ProcessBuilder(psql.toString(), "-X", "-At", conninfo, "-c", command)
                .redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", PgCluster.SCRAM_PASSWORD);
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        pb.environment().put("PGSSLROOTCERT", certs.path("ca.crt"));
        Process proc = pb.start();
        try (java.io.InputStream is = proc.getInputStream()) {
            assertThat(proc.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).as("psql finished").isTrue();
            return new String[] {Integer.toString(proc.exitValue()),
                    new String(is.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)};
        } finally {
            proc.destroyForcibly();
        }
    }

    private static int psqlMajorVersion() throws Exception {
        String[] r = psql("--version", ""); // psql (PostgreSQL) 15.20 ...
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\) (\\d+)").matcher(r[1]);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    @Test
    void psqlWithSslmodeRequireAndChannelBinding() throws Exception {
        try (SluiceFixture s = start(TlsMode.REQUIRE)) {
            String[] r = psql("host=127.0.0.1 port=" + s.port() + " dbname=" + PgCluster.TEST_DB + " user="
                    + PgCluster.SCRAM_USER + " sslmode=verify-full channel_binding=require", "\\conninfo");
            assertThat(r[0]).as("psql output: %s", r[1]).isEqualTo("0");
            assertThat(r[1]).contains("SSL connection (protocol: TLSv1.3");
        }
    }

    @Test
    void psqlWithDirectSslNegotiation() throws Exception {
        int major = psqlMajorVersion();
        org.junit.jupiter.api.Assumptions.assumeTrue(major >= 17, "psql " + major
                + " does not support sslnegotiation=direct (PostgreSQL 17+); directTlsWithAlpnLogsInAndWithoutAlpnIsRefused covers direct TLS"
                + " with pgjdbc and a raw SSLSocket");
        try (SluiceFixture s = start(TlsMode.REQUIRE)) {
            String[] r = psql("host=127.0.0.1 port=" + s.port() + " dbname=" + PgCluster.TEST_DB + " user="
                    + PgCluster.SCRAM_USER + " sslmode=require sslnegotiation=direct", "select 42");
            assertThat(r[0]).as("psql output: %s", r[1]).isEqualTo("0");
            assertThat(r[1].strip()).isEqualTo("42");
        }
    }

    @Test
    void requireServesTlsClientsAndRefusesPlainOnesWith28000() throws Exception {
        try (SluiceFixture s = start(TlsMode.REQUIRE); LogCapture log = LogCapture.start("dev.sluice.proxy.client")) {
            try (Connection c = connect(s, props("sslmode", "require"))) {
                assertThat(selectOne(c)).isEqualTo(1);
                assertThatThrownBy(() -> connect(s, props("sslmode", "disable")))
                        .isInstanceOfSatisfying(PSQLException.class, e -> {
                            assertThat(e.getSQLState()).isEqualTo("28000");
                            assertThat(e.getMessage()).contains("SSL required", "client_tls_sslmode = require");
                        });
                assertThat(selectOne(c)).isEqualTo(1); // the refusal touched no one else
            }
            assertThat(log.lines()).anyMatch(l -> l.contains("refused") && l.contains("SSL required"));
        }
    }

    @Test
    void verifyFullAcceptsTheRightHostAndRejectsAWrongOne() throws Exception {
        String ca = certs.path("ca.crt");
        try (SluiceFixture s = start(TlsMode.PREFER)) {
            try (Connection c = connect(s, props("sslmode", "verify-full", "sslrootcert", ca))) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
            assertThatThrownBy(() -> connect(s, props("sslmode", "verify-ca", "sslrootcert", certs.path("other-ca.crt"))))
                    .isInstanceOf(PSQLException.class);
        }
        try (SluiceFixture s = start(TlsMode.PREFER, "wronghost", b -> b)) {
            assertThatThrownBy(() -> connect(s, props("sslmode", "verify-full", "sslrootcert", ca)))
                    .isInstanceOf(PSQLException.class).hasMessageContaining("hostname");
            try (Connection c = connect(s, props("sslmode", "verify-ca", "sslrootcert", ca))) {
                assertThat(selectOne(c)).isEqualTo(1); // verify-ca checks the signer, not the name
            }
        }
    }

    @Test
    void scramChannelBindingIsOfferedOnTlsOnly() throws Exception {
        try (SluiceFixture s = start(TlsMode.PREFER)) {
            try (Connection c = connect(s, props("sslmode", "require", "channelBinding", "require"))) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
            try (Connection c = connect(s, props("sslmode", "require", "channelBinding", "disable"))) {
                assertThat(selectOne(c)).isEqualTo(1); // plain SCRAM-SHA-256 is still offered beside -PLUS
            }
            try (PgWireClient plain = PgWireClient.connect("127.0.0.1", s.port())) {
                assertThat(saslMechanisms(plain)).containsExactly("SCRAM-SHA-256");
            }
            try (PgWireClient tls = PgWireClient.over(tlsSocket(s.port(), "postgresql"))) {
                assertThat(saslMechanisms(tls)).containsExactly("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256");
            }
            assertThatThrownBy(() -> s.connect(PgCluster.SCRAM_USER, "wrong", props("sslmode", "require",
                    "channelBinding", "require"))).isInstanceOfSatisfying(PSQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
        }
    }

    @Test
    void certAuthTakesTheUserFromTheCertificateCn() throws Exception {
        Properties cert = props("sslmode", "require", "sslcert", certs.path(PgCluster.SCRAM_USER + ".crt"),
                "sslkey", certs.path(PgCluster.SCRAM_USER + ".pk8"));
        try (SluiceFixture s = start(TlsMode.REQUIRE, "server", b -> b.set(Settings.AUTH_TYPE, AuthType.CERT))) {
            try (Connection c = s.connect(PgCluster.SCRAM_USER, null, cert)) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
            assertThatThrownBy(() -> s.connect(PgCluster.MD5_USER, null, cert))
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("28000");
                        assertThat(e.getMessage()).contains("certificate is for \"" + PgCluster.SCRAM_USER + "\"");
                    });
            assertThatThrownBy(() -> s.connect(PgCluster.SCRAM_USER, null, props("sslmode", "require")))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
        }
    }

    @Test
    void hbaHostsslLinesAndTheCertMethodApplyToTlsClients() throws Exception {
        Path hba = certs.dir().resolve("hba.conf");
        Files.writeString(hba, "hostssl all " + PgCluster.SCRAM_USER + " 127.0.0.1/32 cert\n"
                + "hostnossl all " + PgCluster.SCRAM_USER + " 127.0.0.1/32 reject\n"
                + "hostssl all all 127.0.0.1/32 scram-sha-256\n");
        Properties cert = props("sslmode", "require", "sslcert", certs.path(PgCluster.SCRAM_USER + ".crt"),
                "sslkey", certs.path(PgCluster.SCRAM_USER + ".pk8"));
        dev.sluice.config.HbaRules rules = dev.sluice.config.HbaRules.load(hba);
        try (SluiceFixture s = start(TlsMode.PREFER, "server", b -> b.set(Settings.AUTH_TYPE, AuthType.HBA).hba(rules))) {
            try (Connection c = s.connect(PgCluster.SCRAM_USER, null, cert)) {
                assertThat(selectOne(c)).isEqualTo(1); // cert line: no password asked
            }
            assertThatThrownBy(() -> connect(s, props("sslmode", "disable")))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
            try (Connection c = s.connect(PgCluster.MD5_USER, PgCluster.MD5_PASSWORD, props("sslmode", "require"))) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
            assertThatThrownBy(() -> s.connect(PgCluster.MD5_USER, PgCluster.MD5_PASSWORD, props("sslmode", "disable")))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
        }
    }

    @Test
    void verifyCaInsistsOnAClientCertificate() throws Exception {
        try (SluiceFixture s = start(TlsMode.VERIFY_CA)) {
            assertThatThrownBy(() -> connect(s, props("sslmode", "require"))).isInstanceOf(PSQLException.class);
            Properties cert = props("sslmode", "require", "sslcert", certs.path(PgCluster.SCRAM_USER + ".crt"),
                    "sslkey", certs.path(PgCluster.SCRAM_USER + ".pk8"));
            try (Connection c = connect(s, cert)) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
        }
    }

    @Test
    void directTlsWithAlpnLogsInAndWithoutAlpnIsRefused() throws Exception {
        try (SluiceFixture s = start(TlsMode.REQUIRE)) {
            try (Connection c = connect(s, props("sslmode", "require", "sslNegotiation", "direct"))) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
            try (PgWireClient raw = PgWireClient.over(tlsSocket(s.port(), "postgresql"))) {
                raw.login(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, PgCluster.TEST_DB);
                raw.query("select 41 + 1");
                assertThat(raw.readUntilReady()).anyMatch(m -> m.type() == 'D' && m.dataRowText().equals(java.util.List.of("42")));
            }
            try (PgWireClient raw = PgWireClient.over(tlsSocket(s.port()))) {
                PgWireClient.Message m = raw.readMessage();
                assertThat(m.type()).isEqualTo('E');
                assertThat(m.errorCode()).isEqualTo("08P01");
                assertThat(m.errorMessage()).contains("without ALPN");
            }
        }
    }

    @Test
    void protocolsAndCiphersLimitWhatIsNegotiated() throws Exception {
        try (SluiceFixture s = start(TlsMode.REQUIRE, "server", b -> b.set(Settings.CLIENT_TLS_PROTOCOLS, "tlsv1.2")
                .set(Settings.CLIENT_TLS_CIPHERS, "ECDHE-ECDSA-AES256-GCM-SHA384").set(Settings.LOG_CONNECTIONS, true))) {
            try (SSLSocket sock = tlsSocket(s.port(), "postgresql")) {
                assertThat(sock.getSession().getProtocol()).isEqualTo("TLSv1.2");
                assertThat(sock.getSession().getCipherSuite()).isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
            }
            try (LogCapture log = LogCapture.start("dev.sluice.proxy.client");
                 Connection c = connect(s, props("sslmode", "require"))) {
                assertThat(log.lines()).anyMatch(l -> l.contains("login: user=" + PgCluster.SCRAM_USER)
                        && l.endsWith(" tls=TLSv1.2/TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"));
            }
            SSLSocket only13 = (SSLSocket) SSLContext.getDefault().getSocketFactory().createSocket("127.0.0.1", s.port());
            only13.setEnabledProtocols(new String[] {"TLSv1.3"});
            assertThatThrownBy(only13::startHandshake).isInstanceOf(javax.net.ssl.SSLException.class);
            only13.close();
        }
        try (SluiceFixture s = start(TlsMode.REQUIRE, "server", b -> b.set(Settings.CLIENT_TLS13_CIPHERS,
                "TLS_CHACHA20_POLY1305_SHA256"));
             SSLSocket sock = tlsSocket(s.port(), "postgresql")) {
            assertThat(sock.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(sock.getSession().getCipherSuite()).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
        }
    }

    @Test
    void tlsClientsOfADisabledListenerAreRefusedAndPlainOnesServed() throws Exception {
        try (SluiceFixture s = SluiceFixture.start(b -> b.set(Settings.CLIENT_TLS_SSLMODE, TlsMode.DISABLE));
             LogCapture log = LogCapture.start("dev.sluice.proxy.client")) {
            assertThatThrownBy(() -> connect(s, props("sslmode", "require")))
                    .isInstanceOf(PSQLException.class).hasMessageContaining("does not support SSL");
            assertThatThrownBy(() -> tlsSocket(s.port(), "postgresql")).isInstanceOf(java.io.IOException.class);
            try (Connection c = connect(s, props("sslmode", "prefer"))) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
            assertThat(log.lines()).anyMatch(l -> l.contains("direct TLS handshake, but TLS is not offered"));
        }
    }

    @Test
    void aBrokenHandshakeOrPlainBytesAfterSslRequestAreRefused() throws Exception {
        try (SluiceFixture s = start(TlsMode.REQUIRE); LogCapture log = LogCapture.start("dev.sluice.proxy.client")) {
            try (PgWireClient raw = PgWireClient.connect("127.0.0.1", s.port())) {
                raw.sendSslRequest();
                assertThat(raw.readByte()).isEqualTo('S');
                raw.sendRaw("this is not a TLS ClientHello at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                assertThat(readsToTheEnd(raw)).isTrue(); // whatever alert comes, then the close
            }
            try (Socket plain = new Socket("127.0.0.1", s.port())) {
                plain.setSoTimeout(10_000);
                OutputStream out = plain.getOutputStream();
                // SSLRequest and a StartupMessage in one write: the second was not encrypted, so not trusted
                byte[] startup = PgWireClient.startupPacket(java.util.Map.of("user", PgCluster.SCRAM_USER,
                        "database", PgCluster.TEST_DB));
                byte[] both = new byte[8 + startup.length];
                java.nio.ByteBuffer.wrap(both).putInt(8).putInt(PgWireClient.SSL_REQUEST_CODE).put(startup);
                out.write(both);
                out.flush();
                DataInputStream in = new DataInputStream(plain.getInputStream());
                assertThat(in.readByte()).isEqualTo((byte) 'E');
                byte[] body = new byte[in.readInt() - 4];
                in.readFully(body);
                assertThat(new String(body, java.nio.charset.StandardCharsets.UTF_8))
                        .contains("08P01", "unencrypted data after SSL request");
            }
            try (Connection c = connect(s, props("sslmode", "require"))) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
            assertThat(log.lines()).anyMatch(l -> l.contains("TLS handshake failed"));
        }
    }
}
