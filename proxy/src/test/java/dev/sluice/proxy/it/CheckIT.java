// `sluice check` against the private cluster: reachable, unreachable, refused login, over-committed capacity, JSON.
package dev.sluice.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proxy.check.CheckCommand;
import dev.sluice.proxy.testkit.PgCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CheckIT {
    @TempDir
    Path dir;

    private record Run(int exit, String out) {
    }

    private Run check(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            int exit = new CommandLine(new CheckCommand(Map.of(), out)).execute(args);
            return new Run(exit, bytes.toString(StandardCharsets.UTF_8));
        }
    }

    private Path ini(String poolSize, String password, String... extraDatabases) throws Exception {
        PgCluster pg = PgCluster.get();
        Files.writeString(dir.resolve("userlist.txt"), "\"" + PgCluster.SCRAM_USER + "\" \"" + password + "\"\n");
        Path ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, String.join("\n",
                "[databases]",
                "app = host=" + pg.host() + " port=" + pg.port() + " dbname=" + PgCluster.TEST_DB,
                String.join("\n", extraDatabases),
                "[pgbouncer]",
                "auth_type = scram-sha-256",
                "auth_file = userlist.txt",
                "default_pool_size = " + poolSize,
                ""));
        return ini;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void reachableBackendWithRoomToSpare() throws Exception {
        Run r = check("--config", ini("5", PgCluster.SCRAM_PASSWORD).toString());
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("valid")
                .contains("database app -> 127.0.0.1:" + PgCluster.get().port() + "/" + PgCluster.TEST_DB + " as "
                        + PgCluster.SCRAM_USER + ": reachable, login ok, PostgreSQL ")
                .containsPattern("capacity 127\\.0\\.0\\.1:\\d+: Sluice may open 5 server connections \\(app: 5 \\(1 users"
                        + " x \\(pool_size \\+ reserve_pool\\)\\)\\); available \\d+ \\(max_connections 300 -"
                        + " superuser_reserved_connections \\d+ - in use \\d+\\): ok");
    }

    @Test
    void unreachableBackendAndRefusedLoginAreReportedWithTheReason() throws Exception {
        int port = freePort();
        Run r = check("--config", ini("5", "wrong-password", "down = host=127.0.0.1 port=" + port + " dbname=x").toString(),
                "--timeout", "3");
        assertThat(r.exit()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).contains("database down -> 127.0.0.1:" + port + "/x as " + PgCluster.SCRAM_USER
                + ": UNREACHABLE: ConnectException: Connection refused");
        assertThat(r.out()).contains("database app -> ").contains(": reachable, LOGIN FAILED: 28P01 password authentication"
                + " failed for user \"" + PgCluster.SCRAM_USER + "\"");
        assertThat(r.out()).contains("available: unknown: no login succeeded");
    }

    @Test
    void overCommittedCapacityWarns() throws Exception {
        Run r = check("--config", ini("200", PgCluster.SCRAM_PASSWORD).toString(), "--instances", "2");
        assertThat(r.exit()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).contains("Sluice may open 400 server connections (app: 200 (1 users x (pool_size +"
                + " reserve_pool)); x 2 instances)")
                .contains("WARNING: can exceed the server's free connections: clients would get \"too many clients"
                        + " already\"");
    }

    @Test
    void jsonOutputForMachines() throws Exception {
        Run r = check("--config", ini("5", PgCluster.SCRAM_PASSWORD).toString(), "--json");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).startsWith("{\"config\":").contains("\"valid\":true").contains("\"instances\":1")
                .contains("\"name\":\"app\"").contains("\"reachable\":true,\"login_ok\":true")
                .contains("\"may_open\":5").contains("\"exceeded\":false").endsWith("]}\n");
    }

    @Test
    void invalidConfigListsEveryProblemAndExitsTwo() throws Exception {
        Path bad = dir.resolve("bad.ini");
        Files.writeString(bad, "[databases]\napp = hots=x\n[pgbouncer]\ndefault_pool_size = many\nlisten_port = -1\n");
        Run r = check("--config", bad.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).contains("INVALID (3 problems)")
                .contains("bad.ini:2: database 'app': unknown key 'hots'; did you mean 'host'?")
                .contains("bad.ini:4: default_pool_size = 'many'")
                .contains("bad.ini:5: listen_port = '-1'");
    }
}
