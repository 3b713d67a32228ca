// The sluice command: exit codes and messages for usage/config errors, and a real start, query, SIGTERM.
package dev.sluice.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.SluiceProcess;

import java.io.ByteArrayOutputStream;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;


import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineIT {

    /** What one Main.run call returned and printed. */
    private record Run(int exit, String out, String err) {
    }

    /**
     * Main.run is package-private (the CLI's test seam), so it is reached reflectively from this package.
     * Only error paths go through it: a successful config would block serving.
     */
    private static Run run(Map<String, String> env, String... args) throws Exception {
        Method m = Class.forName("dev.sluice.proxy.Main").getDeclaredMethod("run", String[].class, Map.class);
        m.setAccessible(true);
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            try {
                exit = (Integer) m.invoke(null, args, env);
            } catch (InvocationTargetException ite) {
                throw (Exception) ite.getCause();
            }
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpExitsZero() throws Exception {
        Run r = run(Map.of(), "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("--backend").contains("--config").contains("--listen");
    }

    @Test
    void unknownOptionExitsTwo() throws Exception {
        Run r = run(Map.of(), "--no-such-option");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--no-such-option");
    }

    @Test
    void missingConfigFileExitsTwo(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.ini");
        Run r = run(Map.of(), "--config", missing.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("nope.ini");
    }

    @Test
    void badValueInIniExitsTwoNamingFileLineAndKey(@TempDir Path dir) throws Exception {
        Path ini = dir.resolve("sluice.ini");
        Files.writeString(ini, String.join("\n",
                "[databases]",
                "sluice_test = host=127.0.0.1 port=5432 dbname=sluice_test",
                "",
                "[pgbouncer]",
                "listen_port = 0",
                "default_pool_size = abc",
                ""));
        Run r = run(Map.of(), "--config", ini.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("sluice.ini:6").contains("default_pool_size");
    }

    @Test
    void nothingToProxyExitsTwo() throws Exception {
        Run r = run(Map.of());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("DATABASE_URL");
    }

    @Test
    void realProcessStartsServesAndStopsCleanlyOnSigterm() throws Exception {
        PgCluster pg = PgCluster.get();
        int port = SluiceProcess.freePort();
        int metricsPort = SluiceProcess.freePort();
        try (SluiceProcess sluice = SluiceProcess.start(List.of("--backend", "postgres://" + PgCluster.SCRAM_USER + ":"
                        + PgCluster.SCRAM_PASSWORD + "@" + pg.host() + ":" + pg.port() + "/" + PgCluster.TEST_DB,
                "--listen", "127.0.0.1:" + port, "--metrics-listen", "127.0.0.1:" + metricsPort,
                "--log-format", "json"), Map.of(), port)) {
            Process proc = sluice.process();
            List<String> output = sluice.output();
            assertThat(String.join("\n", output)).contains("127.0.0.1:" + port);
            Properties p = new Properties();
            p.setProperty("user", PgCluster.SCRAM_USER);
            p.setProperty("password", PgCluster.SCRAM_PASSWORD);
            p.setProperty("connectTimeout", "10");
            p.setProperty("socketTimeout", "30");
            try (Connection c = DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + port + "/" + PgCluster.TEST_DB, p);
                 Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select 40 + 2, current_user")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(42);
                assertThat(rs.getString(2)).isEqualTo(PgCluster.SCRAM_USER);
            }
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + metricsPort + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("sluice_transactions_total{database=\"" + PgCluster.TEST_DB + "\"")
                    .contains("jvm_memory_used_bytes");
            proc.destroy(); // SIGTERM
            assertThat(proc.waitFor(10, TimeUnit.SECONDS)).as("exited within 10 s of SIGTERM; output: %s", output)
                    .isTrue();
            assertThat(proc.exitValue()).as("exit code; output: %s", output).isZero();
            assertThat(sluice.awaitLine("\"formattedMessage\":\"client ", 5)).as("output: %s", output).isTrue();
            // --log-format json: log lines are logback's JSON objects (the banner stays plain text)
            assertThat(output).as("output: %s", output).anySatisfy(line -> assertThat(line).startsWith("{")
                    .contains("\"level\":\"INFO\"").contains("\"formattedMessage\":\"client ").contains(" login: "));
        }
    }

    @Test
    void sighupReloadsTheConfigFileInARealProcess(@TempDir Path dir) throws Exception {
        PgCluster pg = PgCluster.get();
        int port = SluiceProcess.freePort();
        Files.writeString(dir.resolve("userlist.txt"), "\"" + PgCluster.SCRAM_USER + "\" \"" + PgCluster.SCRAM_PASSWORD
                + "\"\n");
        Path ini = dir.resolve("sluice.ini");
        String base = String.join("\n",
                "[databases]",
                PgCluster.TEST_DB + " = host=" + pg.host() + " port=" + pg.port() + " dbname=" + PgCluster.TEST_DB,
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = " + port,
                "auth_type = scram-sha-256",
                "auth_file = userlist.txt",
                "");
        Files.writeString(ini, base + "default_pool_size = 4\n");
        try (SluiceProcess sluice = SluiceProcess.start(List.of("--config", ini.toString()), Map.of(), port)) {
            Process proc = sluice.process();
            List<String> output = sluice.output();
            Properties p = new Properties();
            p.setProperty("user", PgCluster.SCRAM_USER);
            p.setProperty("password", PgCluster.SCRAM_PASSWORD);
            p.setProperty("connectTimeout", "10");
            p.setProperty("socketTimeout", "30");
            try (Connection c = DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + port + "/" + PgCluster.TEST_DB, p);
                 Statement st = c.createStatement()) {
                st.execute("select 1");
                Files.writeString(ini, base + "default_pool_size = 2\n");
                sluice.signal("HUP"); // Java cannot send SIGHUP itself; kill(1) can, to the pid this test started
                assertThat(sluice.awaitLine("reload: default_pool_size: '4' -> '2'", 10))
                        .as("reload logged; output: %s", output).isTrue();
                st.execute("select 2"); // the client kept its connection through the reload

                Files.writeString(ini, base + "default_pool_size = none\n");
                sluice.signal("HUP");
                assertThat(sluice.awaitLine("reload refused, running configuration unchanged: ", 10))
                        .as("refusal logged; output: %s", output).isTrue();
                assertThat(String.join("\n", output)).contains("sluice.ini:8: default_pool_size = 'none'");
                st.execute("select 3");
            }
            proc.destroy();
            assertThat(proc.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(proc.exitValue()).as("exit code; output: %s", output).isZero();
        }
    }
}
