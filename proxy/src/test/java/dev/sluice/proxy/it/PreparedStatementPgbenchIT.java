// pgbench -M prepared through transaction pooling: 50 clients over 5 servers, every transaction must succeed.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.adminExec;
import static dev.sluice.proxy.testkit.TxItSupport.adminQuery;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PgClusterExtension.class)
class PreparedStatementPgbenchIT {
    private static final String TABLES = "pgbench_accounts, pgbench_branches, pgbench_tellers, pgbench_history";
    private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");
    private static final Pattern PROCESSED = Pattern.compile("number of transactions actually processed: (\\d+)");

    private static String pgbench;
    private static boolean initialized;

    /** A pgbench executable on PATH, or null. */
    private static String findPgbench() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, "pgbench");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    record Result(int exit, String output) {
    }

    private static Result pgbench(Map<String, String> env, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(pgbench);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Path out = Files.createTempFile("sluice-pgbench", ".log");
        pb.redirectOutput(out.toFile());
        pb.environment().put("PGSSLMODE", "disable");
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        pb.environment().remove("PGPASSWORD");
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("pgbench timed out after " + timeoutSeconds + " s: " + cmd + "\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
            Files.deleteIfExists(out);
        }
    }

    @BeforeAll
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    static void initialize(PgCluster pg) throws Exception {
        pgbench = findPgbench();
        Assumptions.assumeTrue(pgbench != null, "pgbench not on PATH");
        initialized = true;
        Result init = pgbench(Map.of(), 100, "-i", "-s", "1", "-q", "-h", pg.host(), "-p", String.valueOf(pg.port()),
                "-U", PgCluster.SUPERUSER, PgCluster.TEST_DB);
        assertThat(init.exit()).as("pgbench -i:\n" + init.output()).isZero();
        adminExec(pg, "GRANT SELECT, INSERT, UPDATE ON " + TABLES + " TO " + PgCluster.SCRAM_USER);
    }

    @AfterAll
    static void dropTables(PgCluster pg) throws Exception {
        if (initialized) {
            adminExec(pg, "DROP TABLE IF EXISTS " + TABLES);
        }
    }

    private static SluiceFixture sluice() throws InterruptedException {
        return SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, 5).set(Settings.MAX_CLIENT_CONN, 200));
    }

    private static void assertClean(Result r, int clients) {
        String out = r.output();
        assertThat(r.exit()).as("pgbench exit code; output:\n" + out).isZero();
        Matcher processed = PROCESSED.matcher(out);
        assertThat(processed.find()).as("transactions processed line in:\n" + out).isTrue();
        assertThat(Long.parseLong(processed.group(1))).as(out).isGreaterThanOrEqualTo(clients);
        Matcher failed = FAILED.matcher(out);
        if (failed.find()) {
            assertThat(failed.group(1)).as(out).isEqualTo("0");
        }
        assertThat(out.toLowerCase()).as(out).doesNotContain("error");
    }

    private Result runThroughSluice(SluiceFixture f, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("-h", "127.0.0.1", "-p", String.valueOf(f.port()),
                "-U", PgCluster.SCRAM_USER));
        args.addAll(List.of(extra));
        args.add(PgCluster.TEST_DB);
        return pgbench(Map.of("PGPASSWORD", PgCluster.SCRAM_PASSWORD), 60, args.toArray(String[]::new));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void selectOnlyPreparedFiftyClientsFiveServers() throws Exception {
        try (SluiceFixture f = sluice()) {
            Result r = runThroughSluice(f, "-n", "-S", "-M", "prepared", "-c", "50", "-j", "2", "-T", "5");
            assertClean(r, 50);
            assertThat(f.pool(PgCluster.SCRAM_USER).counts().servers()).isLessThanOrEqualTo(5);
        }
    }

    /**
     * The TPC-B-like script: BEGIN, three UPDATEs, SELECT, INSERT, END, all prepared, across transactions.
     * One thread per client (-j 20): pgbench prepares a client's statements with a blocking PQprepare on its
     * first transaction, and with several clients per thread that blocks the thread while its other clients
     * hold every server in an open transaction, a deadlock any transaction pooler would share.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void tpcbPreparedTwentyClientsFiveServers(PgCluster pg) throws Exception {
        adminExec(pg, "TRUNCATE pgbench_history", "UPDATE pgbench_accounts SET abalance = 0",
                "UPDATE pgbench_tellers SET tbalance = 0", "UPDATE pgbench_branches SET bbalance = 0");
        try (SluiceFixture f = sluice()) {
            Result r = runThroughSluice(f, "-n", "-M", "prepared", "-c", "20", "-j", "20", "-T", "3");
            assertClean(r, 20);
            Matcher processed = PROCESSED.matcher(r.output());
            assertThat(processed.find()).isTrue();
            List<List<String>> sums = adminQuery(pg, "SELECT (SELECT count(*) FROM pgbench_history)::text,"
                    + " (SELECT coalesce(sum(delta), 0) FROM pgbench_history)::text,"
                    + " (SELECT sum(abalance) FROM pgbench_accounts)::text,"
                    + " (SELECT sum(tbalance) FROM pgbench_tellers)::text,"
                    + " (SELECT sum(bbalance) FROM pgbench_branches)::text");
            List<String> row = sums.get(0);
            assertThat(row.get(0)).as("one history row per committed transaction").isEqualTo(processed.group(1));
            assertThat(row.subList(2, 5)).as("balances match the history deltas").containsOnly(row.get(1));
        }
    }
}
