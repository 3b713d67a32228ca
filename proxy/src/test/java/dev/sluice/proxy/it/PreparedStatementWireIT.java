// Prepared statements in transaction pooling, byte-exact: raw extended-protocol clients sharing few servers.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.PreparedWire.INT4;
import static dev.sluice.proxy.testkit.PreparedWire.INT8;
import static dev.sluice.proxy.testkit.PreparedWire.TEXT;
import static dev.sluice.proxy.testkit.PreparedWire.columnNames;
import static dev.sluice.proxy.testkit.PreparedWire.describe;
import static dev.sluice.proxy.testkit.PreparedWire.errorCode;
import static dev.sluice.proxy.testkit.PreparedWire.parameterOids;
import static dev.sluice.proxy.testkit.PreparedWire.prepare;
import static dev.sluice.proxy.testkit.PreparedWire.prepareOk;
import static dev.sluice.proxy.testkit.PreparedWire.rows;
import static dev.sluice.proxy.testkit.PreparedWire.run;
import static dev.sluice.proxy.testkit.PreparedWire.runOne;
import static dev.sluice.proxy.testkit.PreparedWire.serverStatementNames;
import static dev.sluice.proxy.testkit.PreparedWire.types;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.PgWireClient;
import dev.sluice.proxy.testkit.PgWireClient.Message;
import dev.sluice.proxy.testkit.SluiceFixture;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Most tests use pool_size 1 so that two clients alternate on one server connection: every statement a client
 * prepared is then visible to Sluice on the very server the other client also uses, which is where name
 * rewriting, sharing and answering Close locally can go wrong.
 */
@ExtendWith(PgClusterExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PreparedStatementWireIT {

    private static SluiceFixture tx(int poolSize) throws InterruptedException {
        return SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, poolSize));
    }

    private static SluiceFixture tx(int poolSize, int maxPrepared) throws InterruptedException {
        return SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, poolSize).set(Settings.MAX_PREPARED_STATEMENTS, maxPrepared));
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void namedStatementsSurviveTransactionsAndTheOtherClient() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "s1", "select $1::int * 10", INT4);
            prepareOk(b, "s1", "select 'b:' || $1::text", TEXT);
            for (int i = 0; i < 5; i++) {
                assertThat(runOne(a, "s1", String.valueOf(i))).containsExactly(String.valueOf(i * 10));
                assertThat(runOne(b, "s1", "x" + i)).containsExactly("b:x" + i);
            }
            // Named Parse + Flush, ParseComplete read, then Bind + Execute + Sync in a second round trip.
            a.parse("s2", "select $1::int + 100", INT4);
            a.flush();
            assertThat(a.readMessage().type()).isEqualTo('1');
            a.bind("", "s2", List.of("1"));
            a.execute("", 0);
            a.sync();
            List<Message> ms = a.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("2DCZ");
            assertThat(rows(ms)).containsExactly(List.of("101"));
            assertThat(runOne(b, "s1", "y")).containsExactly("b:y");
            assertThat(runOne(a, "s2", "2")).containsExactly("102");
        }
    }

    @Test
    void unnamedParseAndBindInSeparateRoundTripsInsideATransaction() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(b, "", "select 'b unnamed'");
            a.simpleQuery("BEGIN");
            a.parse("", "select $1::int * 3", INT4);
            a.flush();
            assertThat(a.readMessage().type()).isEqualTo('1');
            a.bind("", "", List.of("5"));
            a.execute("", 0);
            a.sync();
            List<Message> ms = a.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("2DCZ");
            assertThat(rows(ms)).containsExactly(List.of("15"));
            assertThat(ms.get(3).txStatus()).isEqualTo('T');
            // The unnamed statement is still there within the transaction.
            assertThat(runOne(a, "", "7")).containsExactly("21");
            a.simpleQuery("COMMIT");
            b.parse("", "select 'b again'");
            b.bind("", "", List.of());
            b.execute("", 0);
            b.sync();
            ms = b.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("12DCZ");
            assertThat(rows(ms)).containsExactly(List.of("b again"));
        }
    }

    @Test
    void describeStatementReturnsParameterAndRowDescription() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "ds", "select $1::int as x, $2::text as y", 0, 0);
            prepareOk(b, "ds", "select $1::text as other");
            a.describe('S', "ds");
            a.sync();
            List<Message> ms = a.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("tTZ");
            assertThat(parameterOids(ms.get(0))).containsExactly(INT4, TEXT);
            assertThat(columnNames(ms.get(1))).containsExactly("x", "y");

            // Parse and Describe in one batch.
            a.parse("d2", "select 1 as one");
            a.describe('S', "d2");
            a.sync();
            ms = a.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("1tTZ");
            assertThat(columnNames(ms.get(2))).containsExactly("one");

            // Describe portal after Bind.
            a.bind("", "ds", List.of("3", "t"));
            a.describe('P', "");
            a.execute("", 0);
            a.sync();
            ms = a.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("2TDCZ");
            assertThat(columnNames(ms.get(1))).containsExactly("x", "y");
            assertThat(rows(ms)).containsExactly(List.of("3", "t"));

            b.describe('S', "ds");
            b.sync();
            ms = b.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("tTZ");
            assertThat(columnNames(ms.get(1))).containsExactly("other");

            a.describe('S', "nope");
            a.sync();
            ms = a.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("EZ");
            assertThat(errorCode(ms)).isEqualTo("26000");
        }
    }

    @Test
    void statementIsPreparedOnAServerThatLacksIt() throws Exception {
        try (SluiceFixture f = tx(2); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "s", "select $1::int * 2 as twice, pg_backend_pid()", INT4);
            prepareOk(a, "u", "select 'you', pg_backend_pid()");
            List<String> first = runOne(a, "s", "1");
            // b holds the only server in a transaction, so a's next statements run on a second, fresh server.
            b.simpleQuery("BEGIN");
            String bPid = b.simpleQuery("select pg_backend_pid()").get(0).get(0);
            assertThat(bPid).as("b took the idle server a used").isEqualTo(first.get(1));

            // Bind first on the fresh server.
            List<String> u = runOne(a, "u");
            assertThat(u.get(0)).isEqualTo("you");
            assertThat(u.get(1)).as("ran on the other server").isNotEqualTo(bPid);
            // Describe first on the fresh server.
            a.describe('S', "s");
            a.sync();
            List<Message> ms = a.readUntilReady();
            assertThat(types(ms)).as("no ParseComplete for the injected Parse: " + describe(ms)).isEqualTo("tTZ");
            assertThat(columnNames(ms.get(1))).containsExactly("twice", "pg_backend_pid");
            List<String> second = runOne(a, "s", "21");
            assertThat(second).containsExactly("42", u.get(1));
            b.simpleQuery("COMMIT");
            assertThat(runOne(a, "s", "2").get(0)).isEqualTo("4");
        }
    }

    // ------------------------------------------------------------------ Close

    @Test
    void closeThenParseTheSameNameWithAnotherQuery() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "s1", "select 'first'");
            prepareOk(b, "s1", "select 'b first'");
            assertThat(runOne(a, "s1")).containsExactly("first");
            a.close('S', "s1");
            a.sync();
            assertThat(types(a.readUntilReady())).isEqualTo("3Z");
            assertThat(errorCode(run(a, "s1"))).isEqualTo("26000");
            prepareOk(a, "s1", "select 'second', $1::int", INT4);
            assertThat(runOne(a, "s1", "2")).containsExactly("second", "2");
            assertThat(runOne(b, "s1")).containsExactly("b first");

            // Close + Parse + Bind + Execute in one batch.
            a.close('S', "s1");
            a.parse("s1", "select 'third'");
            a.bind("", "s1", List.of());
            a.execute("", 0);
            a.sync();
            List<Message> ms = a.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("312DCZ");
            assertThat(rows(ms)).containsExactly(List.of("third"));
            assertThat(runOne(b, "s1")).containsExactly("b first");
        }
    }

    @Test
    void closeIsAnsweredLocallyAndTheServerKeepsItsCopyForOthers() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "x", "select 'shared'");
            prepareOk(b, "y", "select 'shared'");
            assertThat(runOne(a, "x")).containsExactly("shared");
            assertThat(runOne(b, "y")).containsExactly("shared");
            List<String> before = serverStatementNames(a);
            assertThat(before).as("one server statement for the same query, Sluice-named").hasSize(1);
            assertThat(before.get(0)).startsWith("sluice_");

            a.close('S', "x");
            a.sync();
            assertThat(types(a.readUntilReady())).isEqualTo("3Z");
            assertThat(serverStatementNames(b)).isEqualTo(before);
            List<Message> ms = run(b, "y");
            assertThat(types(ms)).as(describe(ms)).isEqualTo("2DCZ");
            assertThat(errorCode(run(a, "x"))).isEqualTo("26000");

            // Close of a name the client never had is no error (as on PostgreSQL).
            a.close('S', "never");
            a.sync();
            assertThat(types(a.readUntilReady())).isEqualTo("3Z");

            // Close + Flush: the CloseComplete arrives before any Sync.
            prepareOk(a, "z", "select 'zed'");
            a.close('S', "z");
            a.flush();
            assertThat(a.readMessage().type()).isEqualTo('3');
            a.sync();
            assertThat(types(a.readUntilReady())).isEqualTo("Z");
            assertThat(errorCode(run(a, "z"))).isEqualTo("26000");
        }
    }

    @Test
    void closeOfAPortalGoesToTheServer() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire()) {
            prepareOk(a, "gs", "select generate_series(1, 3)");
            a.simpleQuery("BEGIN");
            a.bind("cur", "gs", List.of());
            a.execute("cur", 1);
            a.sync();
            List<Message> ms = a.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("2DsZ");
            a.execute("cur", 1);
            a.sync();
            ms = a.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("DsZ");
            assertThat(rows(ms)).containsExactly(List.of("2"));
            a.close('P', "cur");
            a.sync();
            assertThat(types(a.readUntilReady())).isEqualTo("3Z");
            a.execute("cur", 0);
            a.sync();
            ms = a.readUntilReady();
            assertThat(errorCode(ms)).as(describe(ms)).isEqualTo("34000");
            a.simpleQuery("ROLLBACK");
            assertThat(rows(run(a, "gs"))).containsExactly(List.of("1"), List.of("2"), List.of("3"));
        }
    }

    // ------------------------------------------------------------------ errors

    @Test
    void failedParseRegistersNothing() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire()) {
            List<Message> ms = prepare(a, "bad", "selec 1");
            assertThat(types(ms)).as(describe(ms)).isEqualTo("EZ");
            assertThat(errorCode(ms)).isEqualTo("42601");
            ms = run(a, "bad");
            assertThat(types(ms)).as(describe(ms)).isEqualTo("EZ");
            assertThat(errorCode(ms)).isEqualTo("26000");
            assertThat(ms.get(0).errorMessage()).contains("prepared statement").contains("does not exist");
            prepareOk(a, "bad", "select 'fixed'");
            assertThat(runOne(a, "bad")).containsExactly("fixed");
        }
    }

    @Test
    void duplicateParseIsRefusedPerClient() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "dup", "select 'one'");
            List<Message> ms = prepare(a, "dup", "select 'two'");
            assertThat(types(ms)).as(describe(ms)).isEqualTo("EZ");
            assertThat(errorCode(ms)).isEqualTo("42P05");
            assertThat(runOne(a, "dup")).containsExactly("one");
            // Same name for the same query again is a duplicate too.
            assertThat(errorCode(prepare(a, "dup", "select 'one'"))).isEqualTo("42P05");
            // Another client has its own namespace.
            prepareOk(b, "dup", "select 'b'");
            assertThat(runOne(b, "dup")).containsExactly("b");
            // Inside a batch the error skips the rest up to Sync.
            a.parse("dup", "select 'three'");
            a.bind("", "dup", List.of());
            a.execute("", 0);
            a.sync();
            ms = a.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("EZ");
            assertThat(errorCode(ms)).isEqualTo("42P05");
            assertThat(runOne(a, "dup")).containsExactly("one");
        }
    }

    @Test
    void bindOrDescribeOfAnUnknownNameFailsAndSkipsToSync() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(b, "known", "select 'b has it'");
            List<Message> ms = run(a, "known");
            assertThat(types(ms)).as("b's statement is not a's: " + describe(ms)).isEqualTo("EZ");
            assertThat(errorCode(ms)).isEqualTo("26000");

            a.parse("s", "select 's'");
            a.bind("", "unknown", List.of());
            a.execute("", 0);
            a.close('S', "s");
            a.parse("t", "select 't'");
            a.sync();
            ms = a.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("1EZ");
            assertThat(errorCode(ms)).isEqualTo("26000");
            assertThat(runOne(a, "s")).as("skipped Close had no effect").containsExactly("s");
            assertThat(errorCode(run(a, "t"))).as("skipped Parse had no effect").isEqualTo("26000");
            assertThat(a.simpleQuery("select 'still usable'")).containsExactly(List.of("still usable"));
        }
    }

    /**
     * P(a) B(a) E(a) C(S,b) P(c) S where a fails with division by zero: nothing after the error is answered or
     * takes effect. The generate_series variant fails at Execute ("12EZ"); the literal 1/0 is constant-folded by
     * PostgreSQL's planner and fails already at Bind ("1EZ").
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "select 1/g from generate_series(0, 0) g | 12EZ",
        "select 1/0 | 1EZ",
    })
    void errorInsideABatchSkipsToSync(String failing, String expected) throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            for (PgWireClient c : List.of(a, b)) {
                // a's batch meets a server without the failing statement; b's one that has it (a prepared it).
                prepareOk(c, "b", "select 'bee'");
                c.parse("a", failing);
                c.bind("", "a", List.of());
                c.execute("", 0);
                c.close('S', "b");
                c.parse("c", "select 'sea'");
                c.sync();
                List<Message> ms = c.readUntilReady();
                assertThat(types(ms)).as(describe(ms)).isEqualTo(expected);
                assertThat(errorCode(ms)).isEqualTo("22012");
                assertThat(ms.get(ms.size() - 1).txStatus()).isEqualTo('I');

                assertThat(runOne(c, "b")).as("Close after the error was skipped").containsExactly("bee");
                ms = run(c, "c");
                assertThat(types(ms)).as("Parse after the error was skipped: " + describe(ms)).isEqualTo("EZ");
                assertThat(errorCode(ms)).isEqualTo("26000");
                assertThat(errorCode(run(c, "a"))).as("a was parsed before the error").isEqualTo("22012");
                prepareOk(c, "c", "select 'sea'");
                assertThat(runOne(c, "c")).containsExactly("sea");
            }
        }
    }

    // ------------------------------------------------------------------ pipelining

    @Test
    void pipelinedBatchMixingNamedAndUnnamed() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            for (PgWireClient c : List.of(a, b)) {
                // For b the server already holds the statement: Sluice must answer its Parse in place.
                c.parse("s1", "select $1::int + 1", INT4);
                c.bind("", "s1", List.of("1"));
                c.execute("", 0);
                c.parse("", "select 'unnamed'");
                c.bind("", "", List.of());
                c.execute("", 0);
                c.bind("", "s1", List.of("41"));
                c.execute("", 0);
                c.sync();
                List<Message> ms = c.readUntilReady();
                assertThat(types(ms)).as(describe(ms)).isEqualTo("12DC12DC2DCZ");
                assertThat(rows(ms)).containsExactly(List.of("2"), List.of("unnamed"), List.of("42"));
            }
            // A second name for the same query, Close of the first in the middle, two Syncs in one write.
            a.parse("s2", "select $1::int + 1", INT4);
            a.bind("", "s2", List.of("9"));
            a.execute("", 0);
            a.close('S', "s1");
            a.bind("", "s2", List.of("99"));
            a.execute("", 0);
            a.sync();
            a.bind("", "s2", List.of("999"));
            a.execute("", 0);
            a.sync();
            List<Message> ms = a.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("12DC32DCZ");
            assertThat(rows(ms)).containsExactly(List.of("10"), List.of("100"));
            ms = a.readUntilReady();
            assertThat(types(ms)).as(describe(ms)).isEqualTo("2DCZ");
            assertThat(rows(ms)).containsExactly(List.of("1000"));
            assertThat(errorCode(run(a, "s1"))).isEqualTo("26000");
            assertThat(runOne(b, "s1", "5")).containsExactly("6");
        }
    }

    @Test
    void pipelinedSyncsAcrossClientsOnOneServer() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "q", "select 'a', $1::int");
            prepareOk(b, "q", "select 'b', $1::int");
            for (int round = 0; round < 5; round++) {
                for (PgWireClient c : List.of(a, b)) {
                    for (int i = 0; i < 5; i++) {
                        c.bind("", "q", List.of(String.valueOf(round * 10 + i)));
                        c.execute("", 0);
                        c.sync();
                    }
                }
                for (PgWireClient c : List.of(a, b)) {
                    String who = c == a ? "a" : "b";
                    for (int i = 0; i < 5; i++) {
                        List<Message> ms = c.readUntilReady();
                        assertThat(types(ms)).as(describe(ms)).isEqualTo("2DCZ");
                        assertThat(rows(ms)).containsExactly(List.of(who, String.valueOf(round * 10 + i)));
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ isolation between clients

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sameNameDifferentQueriesNeverMix() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            ExecutorService exec = Executors.newFixedThreadPool(2);
            try {
                CompletableFuture<Void> fa = CompletableFuture.runAsync(() -> loop(a, "A", true), exec);
                CompletableFuture<Void> fb = CompletableFuture.runAsync(() -> loop(b, "B", false), exec);
                CompletableFuture.allOf(fa, fb).get(50, TimeUnit.SECONDS);
            } finally {
                exec.shutdownNow();
            }
        }
    }

    private static void loop(PgWireClient c, String who, boolean intFirst) {
        String sqlInt = "select '" + who + "' as who, $1::int * 2";
        String sqlText = "select '" + who + "' as who, $1::text || '?'";
        boolean isInt = intFirst;
        prepareOk(c, "q", isInt ? sqlInt : sqlText);
        for (int i = 0; i < 300; i++) {
            if (i % 50 == 49) {
                // Swap this client's "q" for the other query shape.
                c.close('S', "q");
                isInt = !isInt;
                c.parse("q", isInt ? sqlInt : sqlText);
                c.sync();
                assertThat(types(c.readUntilReady())).isEqualTo("31Z");
            }
            List<String> row = runOne(c, "q", String.valueOf(i));
            assertThat(row).containsExactly(who, isInt ? String.valueOf(i * 2) : i + "?");
        }
    }

    @Test
    void sameQueryWithDifferentParameterTypesIsNotShared() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "p", "select $1::bigint + 1", INT4);
            prepareOk(b, "p", "select $1::bigint + 1", INT8);
            assertThat(runOne(b, "p", "5000000000")).containsExactly("5000000001");
            assertThat(runOne(a, "p", "7")).containsExactly("8");
            assertThat(errorCode(run(a, "p", "5000000000"))).as("a declared int4").isEqualTo("22003");
            assertThat(runOne(b, "p", "6000000000")).containsExactly("6000000001");
            a.describe('S', "p");
            a.sync();
            List<Message> ms = a.readUntilReady();
            assertThat(parameterOids(ms.get(0))).containsExactly(INT4);
            b.describe('S', "p");
            b.sync();
            ms = b.readUntilReady();
            assertThat(parameterOids(ms.get(0))).containsExactly(INT8);
        }
    }

    @Test
    void deallocateNameActsOnTheCallersStatementOnly() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "x", "select 'a x'");
            prepareOk(b, "x", "select 'b x'");
            prepareOk(b, "y", "select 'a x'");
            assertThat(runOne(a, "x")).containsExactly("a x");
            a.simpleQuery("DEALLOCATE x");
            List<Message> ms = run(a, "x");
            assertThat(errorCode(ms)).as(describe(ms)).isEqualTo("26000");
            assertThat(runOne(b, "x")).containsExactly("b x");
            assertThat(runOne(b, "y")).containsExactly("a x");
            prepareOk(a, "x", "select 'a x2', $1::int", INT4);
            assertThat(runOne(a, "x", "3")).containsExactly("a x2", "3");
            assertThat(runOne(b, "x")).containsExactly("b x");
        }
    }

    @Test
    void deallocateAllActsOnTheCallersStatementsOnly() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "x", "select 'a x'");
            prepareOk(a, "z", "select 'a z'");
            prepareOk(b, "x", "select 'b x'");
            prepareOk(b, "y", "select 'a z'");
            a.simpleQuery("DEALLOCATE ALL");
            assertThat(errorCode(run(a, "x"))).isEqualTo("26000");
            assertThat(errorCode(run(a, "z"))).isEqualTo("26000");
            assertThat(runOne(b, "x")).containsExactly("b x");
            assertThat(runOne(b, "y")).containsExactly("a z");
            prepareOk(a, "x", "select 'a x again'");
            assertThat(runOne(a, "x")).containsExactly("a x again");
            // b's statements survive a's DEALLOCATE ALL inside a transaction too.
            a.simpleQuery("BEGIN");
            a.simpleQuery("DEALLOCATE ALL");
            a.simpleQuery("COMMIT");
            assertThat(errorCode(run(a, "x"))).isEqualTo("26000");
            assertThat(runOne(b, "x")).containsExactly("b x");
        }
    }

    @Test
    void discardAllActsOnTheCallersStatementsOnly() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "x", "select 'a x'");
            prepareOk(b, "x", "select 'b x'");
            prepareOk(b, "y", "select 'a x'");
            a.simpleQuery("DISCARD ALL");
            assertThat(errorCode(run(a, "x"))).isEqualTo("26000");
            assertThat(runOne(b, "x")).containsExactly("b x");
            assertThat(runOne(b, "y")).containsExactly("a x");
            prepareOk(a, "x", "select 'a x again'");
            assertThat(runOne(a, "x")).containsExactly("a x again");
        }
    }

    @Test
    void deallocateIsCaseInsensitive() throws Exception {
        try (SluiceFixture f = tx(1); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            prepareOk(a, "x", "select 'a x'");
            prepareOk(b, "x", "select 'b x'");
            a.simpleQuery("deallocate x");
            assertThat(errorCode(run(a, "x"))).isEqualTo("26000");
            assertThat(runOne(b, "x")).containsExactly("b x");
            prepareOk(a, "x", "select 'a x'");
            a.simpleQuery("deallocate all");
            assertThat(errorCode(run(a, "x"))).isEqualTo("26000");
            assertThat(runOne(b, "x")).containsExactly("b x");
        }
    }

    // ------------------------------------------------------------------ server statements

    @Test
    void serverStatementsAreEvictedBeyondTheLimit() throws Exception {
        try (SluiceFixture f = tx(1, 2); PgWireClient a = f.wire(); PgWireClient b = f.wire()) {
            for (int i = 1; i <= 4; i++) {
                prepareOk(a, "s" + i, "select " + i + " * $1::int", INT4);
            }
            List<String> names = serverStatementNames(b);
            assertThat(names).as("server statements").hasSizeLessThanOrEqualTo(2).allMatch(n -> n.startsWith("sluice_"));
            for (int round = 0; round < 3; round++) {
                for (int i = 1; i <= 4; i++) {
                    List<Message> ms = run(a, "s" + i, "10");
                    assertThat(types(ms)).as("s%d: %s", i, describe(ms)).isEqualTo("2DCZ");
                    assertThat(rows(ms)).containsExactly(List.of(String.valueOf(i * 10)));
                    a.describe('S', "s" + i);
                    a.sync();
                    ms = a.readUntilReady();
                    assertThat(types(ms)).as(describe(ms)).isEqualTo("tTZ");
                }
            }
            assertThat(serverStatementNames(b)).hasSizeLessThanOrEqualTo(2);
        }
    }

    @Test
    void sessionModePassesNamedStatementsThrough() throws Exception {
        try (SluiceFixture f = SluiceFixture.start(PoolMode.SESSION, 1); PgWireClient a = f.wire()) {
            prepareOk(a, "s1", "select $1::int + 1", INT4);
            assertThat(runOne(a, "s1", "1")).containsExactly("2");
            assertThat(serverStatementNames(a)).containsExactly("s1");
            assertThat(errorCode(prepare(a, "s1", "select 2"))).isEqualTo("42P05");
            a.simpleQuery("DEALLOCATE s1");
            assertThat(errorCode(run(a, "s1"))).isEqualTo("26000");
            assertThat(serverStatementNames(a)).isEmpty();
            prepareOk(a, "s1", "select 'again'");
            a.close('S', "s1");
            a.sync();
            assertThat(types(a.readUntilReady())).isEqualTo("3Z");
            assertThat(serverStatementNames(a)).isEmpty();
        }
    }

    @Test
    void maxPreparedStatementsZeroPassesNamesThrough() throws Exception {
        try (SluiceFixture f = tx(1, 0); PgWireClient a = f.wire()) {
            a.simpleQuery("BEGIN");
            prepareOk(a, "s1", "select $1::int + 1", INT4);
            assertThat(runOne(a, "s1", "1")).containsExactly("2");
            assertThat(serverStatementNames(a)).containsExactly("s1");
            a.simpleQuery("DEALLOCATE s1");
            a.simpleQuery("COMMIT");
        }
    }
}
