// Prepared statements whose result type changes under them (ALTER TABLE): Sluice re-prepares the server copy.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.PreparedWire.columnNames;
import static dev.sluice.proxy.testkit.PreparedWire.describe;
import static dev.sluice.proxy.testkit.PreparedWire.errorCode;
import static dev.sluice.proxy.testkit.PreparedWire.prepareOk;
import static dev.sluice.proxy.testkit.PreparedWire.rows;
import static dev.sluice.proxy.testkit.PreparedWire.run;
import static dev.sluice.proxy.testkit.PreparedWire.runOne;
import static dev.sluice.proxy.testkit.PreparedWire.types;
import static dev.sluice.proxy.testkit.TxItSupport.adminExec;
import static dev.sluice.proxy.testkit.TxItSupport.sqlState;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.PgWireClient;
import dev.sluice.proxy.testkit.PgWireClient.Message;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PgClusterExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PreparedStatementSchemaChangeIT {
    private static final String RESULT_TYPE_CHANGED = "0A000";

    private static SluiceFixture tx(int poolSize) throws InterruptedException {
        return SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, poolSize));
    }

    private static void freshTable(PgCluster pg, String table) throws SQLException {
        adminExec(pg, "DROP TABLE IF EXISTS " + table,
                "CREATE TABLE " + table + " (a int)",
                "INSERT INTO " + table + " VALUES (1)",
                "GRANT ALL ON " + table + " TO PUBLIC");
    }

    @AfterAll
    static void dropTables(PgCluster pg) throws SQLException {
        adminExec(pg, "DROP TABLE IF EXISTS ps_it_schema1, ps_it_schema2, ps_it_schema3, ps_it_schema4,"
                + " ps_it_schema5, ps_it_schema6");
    }

    /**
     * Runs {@code stmt} until it succeeds, at most twice; the first try may fail with 0A000 only. Returns the
     * single row and records the number of failed tries in {@code failures}.
     */
    private static List<String> runAllowingOneResultTypeFailure(PgWireClient c, String stmt, List<String> failures) {
        List<Message> ms = run(c, stmt);
        if (!types(ms).equals("2DCZ")) {
            assertThat(errorCode(ms)).as("first try may only fail with 'cached plan must not change result type': "
                    + describe(ms)).isEqualTo(RESULT_TYPE_CHANGED);
            failures.add(stmt + ": " + describe(ms));
            ms = run(c, stmt);
            assertThat(types(ms)).as("second try must succeed: " + describe(ms)).isEqualTo("2DCZ");
        }
        return rows(ms).get(0);
    }

    @Test
    void outsideATransactionAStatementFailsAtMostOnceAfterAlterTable(PgCluster pg) throws Exception {
        freshTable(pg, "ps_it_schema1");
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "st", "select * from ps_it_schema1");
            prepareOk(b, "other_name", "select * from ps_it_schema1");
            assertThat(runOne(a, "st")).containsExactly("1");
            assertThat(runOne(b, "other_name")).containsExactly("1");

            adminExec(pg, "ALTER TABLE ps_it_schema1 ADD COLUMN b int");
            List<String> aFailures = new ArrayList<>();
            List<String> bFailures = new ArrayList<>();
            assertThat(runAllowingOneResultTypeFailure(a, "st", aFailures)).containsExactly("1", null);
            assertThat(runAllowingOneResultTypeFailure(b, "other_name", bFailures)).containsExactly("1", null);
            for (int i = 0; i < 3; i++) {
                assertThat(runOne(a, "st")).containsExactly("1", null);
                assertThat(runOne(b, "other_name")).containsExactly("1", null);
            }
            assertThat(aFailures).hasSizeLessThanOrEqualTo(1);
            assertThat(bFailures).hasSizeLessThanOrEqualTo(1);

            // And once more, with the re-prepared statement now the one that goes stale.
            adminExec(pg, "ALTER TABLE ps_it_schema1 ADD COLUMN c text DEFAULT 'x'");
            aFailures.clear();
            assertThat(runAllowingOneResultTypeFailure(a, "st", aFailures)).containsExactly("1", null, "x");
            assertThat(runOne(a, "st")).containsExactly("1", null, "x");
        }
    }

    /** Bind, Describe portal, Execute, Sync: what libpq sends for PQexecPrepared. */
    private static List<Message> runDescribed(PgWireClient c, String stmt) {
        c.bind("", stmt, List.of());
        c.describe('P', "");
        c.execute("", 0);
        c.sync();
        return c.readUntilReady();
    }

    /**
     * The same batch with a pause after its Bind: PostgreSQL's error reaches Sluice before the rest of the
     * batch does, so whether it qualifies for a replay is only known once its Sync arrives.
     */
    private static List<Message> runDescribedAfterAPause(PgWireClient c, String stmt) throws InterruptedException {
        c.bind("", stmt, List.of());
        Thread.sleep(200);
        c.describe('P', "");
        c.execute("", 0);
        c.sync();
        return c.readUntilReady();
    }

    /**
     * A batch that describes its portal learns the new row shape from the replay, so Sluice re-prepares and
     * replays it instead of passing on 0A000; the other client's stale copy heals the same way.
     */
    @Test
    void anImplicitBatchThatDescribesItsPortalIsRetriedTransparently(PgCluster pg) throws Exception {
        freshTable(pg, "ps_it_schema4");
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "st", "select * from ps_it_schema4");
            prepareOk(b, "bt", "select * from ps_it_schema4");
            assertThat(types(runDescribed(a, "st"))).isEqualTo("2TDCZ");
            assertThat(types(runDescribed(b, "bt"))).isEqualTo("2TDCZ");

            adminExec(pg, "ALTER TABLE ps_it_schema4 ADD COLUMN b int");
            for (PgWireClient c : List.of(a, b)) {
                List<Message> ms = c == a ? runDescribed(a, "st") : runDescribedAfterAPause(b, "bt");
                assertThat(types(ms)).as(describe(ms)).isEqualTo("2TDCZ");
                assertThat(columnNames(ms.get(1))).containsExactly("a", "b");
                assertThat(rows(ms)).containsExactly(Arrays.asList("1", null));
                assertThat(ms.get(4).txStatus()).isEqualTo('I');
            }
            // the replayed statement keeps working, described or not
            assertThat(runOne(a, "st")).containsExactly("1", null);
            assertThat(types(runDescribed(a, "st"))).isEqualTo("2TDCZ");

            // a batch that turns out not to describe its portal gets the error after all, in its place
            adminExec(pg, "ALTER TABLE ps_it_schema4 ADD COLUMN c int");
            b.bind("", "bt", List.of());
            Thread.sleep(200);
            b.execute("", 0);
            b.sync();
            List<Message> ms = b.readUntilReady();
            assertThat(errorCode(ms)).as(describe(ms)).isEqualTo(RESULT_TYPE_CHANGED);
            assertThat(types(ms)).isEqualTo("EZ");
            assertThat(types(runDescribed(b, "bt"))).isEqualTo("2TDCZ");
        }
    }

    /** Bind (unnamed portal) of {@code stmt}, Describe portal, Execute, Sync as bytes, to send in one write. */
    private static byte[] describedBatch(String stmt) {
        byte[] name = stmt.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(64 + name.length);
        b.put((byte) 'B').putInt(4 + 1 + name.length + 1 + 6).put((byte) 0).put(name).put((byte) 0)
                .putShort((short) 0).putShort((short) 0).putShort((short) 0);
        b.put((byte) 'D').putInt(4 + 2).put((byte) 'P').put((byte) 0);
        b.put((byte) 'E').putInt(4 + 1 + 4).put((byte) 0).putInt(0);
        b.put((byte) 'S').putInt(4);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /**
     * Two batches sent back to back: the second reached the server before the first failed, so replaying the
     * first would reorder them. Both report the stale plan, as on PostgreSQL itself, and the next one succeeds.
     */
    @Test
    void aPipelinedBatchIsNotReplayedOutOfOrder(PgCluster pg) throws Exception {
        freshTable(pg, "ps_it_schema5");
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire()) {
            prepareOk(a, "st", "select * from ps_it_schema5");
            assertThat(types(runDescribed(a, "st"))).isEqualTo("2TDCZ");
            adminExec(pg, "ALTER TABLE ps_it_schema5 ADD COLUMN b int");
            byte[] batch = describedBatch("st");
            a.sendRaw(java.nio.ByteBuffer.allocate(2 * batch.length).put(batch).put(batch).array()); // one write
            List<Message> first = a.readUntilReady();
            List<Message> second = a.readUntilReady();
            assertThat(errorCode(first)).as(describe(first)).isEqualTo(RESULT_TYPE_CHANGED);
            if (errorCode(second) != null) {
                assertThat(errorCode(second)).as(describe(second)).isEqualTo(RESULT_TYPE_CHANGED);
            } else { // it reached Sluice after the error had re-prepared the statement
                assertThat(columnNames(second.get(1))).containsExactly("a", "b");
            }
            List<Message> third = runDescribed(a, "st");
            assertThat(types(third)).as(describe(third)).isEqualTo("2TDCZ");
            assertThat(columnNames(third.get(1))).containsExactly("a", "b");
        }
    }

    /** In an explicit transaction a replay could repeat earlier work's effects: the error is passed on. */
    @Test
    void aDescribedBatchInsideATransactionIsNotRetried(PgCluster pg) throws Exception {
        freshTable(pg, "ps_it_schema6");
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire()) {
            prepareOk(a, "st", "select * from ps_it_schema6");
            assertThat(types(runDescribed(a, "st"))).isEqualTo("2TDCZ");
            adminExec(pg, "ALTER TABLE ps_it_schema6 ADD COLUMN b int");
            a.simpleQuery("BEGIN");
            List<Message> ms = runDescribed(a, "st");
            assertThat(errorCode(ms)).as(describe(ms)).isEqualTo(RESULT_TYPE_CHANGED);
            assertThat(ms.get(ms.size() - 1).txStatus()).isEqualTo('E');
            a.simpleQuery("ROLLBACK");
            assertThat(types(runDescribed(a, "st"))).isEqualTo("2TDCZ");
        }
    }

    @Test
    void insideATransactionAStatementMayFailOnceAndTheNextTransactionSucceeds(PgCluster pg) throws Exception {
        freshTable(pg, "ps_it_schema2");
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "st", "select * from ps_it_schema2");
            assertThat(runOne(a, "st")).containsExactly("1");
            adminExec(pg, "ALTER TABLE ps_it_schema2 ADD COLUMN b int");

            a.simpleQuery("BEGIN");
            List<Message> ms = run(a, "st");
            if (!types(ms).equals("2DCZ")) {
                assertThat(errorCode(ms)).as(describe(ms)).isEqualTo(RESULT_TYPE_CHANGED);
                assertThat(ms.get(ms.size() - 1).txStatus()).isEqualTo('E');
                a.simpleQuery("ROLLBACK");
            } else {
                assertThat(rows(ms)).containsExactly(Arrays.asList("1", null));
                a.simpleQuery("COMMIT");
            }
            // b uses the server in between; then a's next transaction must succeed.
            assertThat(b.simpleQuery("select 'b'")).containsExactly(List.of("b"));
            a.simpleQuery("BEGIN");
            ms = run(a, "st");
            assertThat(types(ms)).as(describe(ms)).isEqualTo("2DCZ");
            assertThat(ms.get(3).txStatus()).isEqualTo('T');
            assertThat(rows(ms)).containsExactly(Arrays.asList("1", null));
            a.simpleQuery("COMMIT");
            assertThat(runOne(a, "st")).containsExactly("1", null);
        }
    }

    /** pgjdbc heals 0A000 by parsing the same SQL again; Sluice must not hand it the stale server copy. */
    @Test
    void jdbcInExplicitTransactionsRecoversInTheNextTransaction(PgCluster pg) throws Exception {
        freshTable(pg, "ps_it_schema3");
        Properties p = new Properties();
        p.setProperty("prepareThreshold", "1");
        try (SluiceFixture f = tx(1);
             Connection c1 = f.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, p);
             Connection c2 = f.connect(PgCluster.SCRAM_USER, PgCluster.SCRAM_PASSWORD, p)) {
            for (Connection c : List.of(c1, c2)) {
                c.setAutoCommit(false);
                assertThat(columns(c, "select * from ps_it_schema3")).isEqualTo(1);
                c.commit();
            }
            adminExec(pg, "ALTER TABLE ps_it_schema3 ADD COLUMN b int");
            for (Connection c : List.of(c1, c2)) {
                boolean failed = false;
                try {
                    columns(c, "select * from ps_it_schema3");
                    c.commit();
                } catch (SQLException e) {
                    assertThat(sqlState(e)).as(e.toString()).isEqualTo(RESULT_TYPE_CHANGED);
                    failed = true;
                    c.rollback();
                }
                int next = columns(c, "select * from ps_it_schema3");
                c.commit();
                // every connection sees the new shape in the transaction after at most one 0A000, as each
                // would on its own PostgreSQL session: Sluice re-prepares only for the client that saw the
                // error and leaves the stale server copy to fail for the others, so none keeps a stale
                // cached description while receiving rows of the new shape
                assertThat(next).as("columns in the next transaction (failed first: %s)", failed).isEqualTo(2);
            }
            for (int i = 0; i < 3; i++) {
                for (Connection c : List.of(c1, c2)) {
                    assertThat(columns(c, "select * from ps_it_schema3")).isEqualTo(2);
                    c.commit();
                }
            }
            assertThat(columns(c2, "select * from ps_it_schema3 where true")).isEqualTo(2);
            c2.commit();
        }
    }

    private static int columns(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(1);
            return rs.getMetaData().getColumnCount();
        }
    }
}
