// Graceful drain: a transaction in flight finishes before its client is closed with 57P01; SIGTERM wiring in a real process.
package dev.sluice.proxy.it;

import static dev.sluice.proxy.testkit.TxItSupport.adminExec;
import static dev.sluice.proxy.testkit.TxItSupport.adminQuery;
import static dev.sluice.proxy.testkit.TxItSupport.await;
import static dev.sluice.proxy.testkit.TxItSupport.queryOk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.proxy.Proxy;
import dev.sluice.proxy.testkit.PgCluster;
import dev.sluice.proxy.testkit.PgClusterExtension;
import dev.sluice.proxy.testkit.PgWireClient;
import dev.sluice.proxy.testkit.PgWireClient.Message;
import dev.sluice.proxy.testkit.SluiceFixture;
import dev.sluice.proxy.testkit.SluiceProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PgClusterExtension.class)
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class DrainIT {

    @BeforeEach
    void table(PgCluster pg) throws SQLException {
        adminExec(pg, "DROP TABLE IF EXISTS drain_it", "CREATE TABLE drain_it (v text)", "GRANT ALL ON drain_it TO PUBLIC");
    }

    private static List<String> rows(PgCluster pg) throws SQLException {
        return adminQuery(pg, "select v from drain_it order by v").stream().map(r -> r.get(0)).toList();
    }

    /** The FATAL Sluice sends before closing (the connection must close within 5 s). */
    private static Message fatalThenClose(PgWireClient w) {
        w.setTimeout(Duration.ofSeconds(5));
        List<Message> got = new ArrayList<>();
        try {
            while (got.size() < 10) {
                got.add(w.readMessage());
            }
        } catch (UncheckedIOException e) {
            assertThat(e.getCause()).as("closed, not timed out; got %s", got)
                    .isNotInstanceOf(java.net.SocketTimeoutException.class);
        }
        assertThat(got).as("before close").hasSize(1);
        assertThat(got.get(0).type()).isEqualTo('E');
        return got.get(0);
    }

    private static boolean refusesConnections(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void transactionInFlightFinishesThenItsClientIsClosed(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.DEFAULT_POOL_SIZE, 2));
             PgWireClient inTx = sluice.wire(); PgWireClient idle = sluice.wire()) {
            Proxy proxy = sluice.server().proxy();
            queryOk(idle, "select 1");
            queryOk(inTx, "BEGIN");
            queryOk(inTx, "INSERT INTO drain_it VALUES ('first')");
            assertThat(proxy.draining()).isFalse();

            proxy.shutdown(true);
            assertThat(proxy.draining()).isTrue();
            Message e = fatalThenClose(idle); // between transactions: closed at once
            assertThat(e.errorCode()).isEqualTo("57P01");
            assertThat(e.errorMessage()).contains("shutting down");
            await(Duration.ofSeconds(2), "listener closed", () -> refusesConnections(sluice.port()));

            Thread.sleep(500); // the transaction is not hurried
            queryOk(inTx, "INSERT INTO drain_it VALUES ('second')");
            queryOk(inTx, "COMMIT");
            assertThat(rows(pg)).containsExactly("first", "second");
            assertThat(fatalThenClose(inTx).errorCode()).as("closed at the transaction boundary").isEqualTo("57P01");
            proxy.drain().done().get(2, TimeUnit.SECONDS);
        }
    }

    @Test
    void shutdownTimeoutClosesWhoIsLeftAndRollsBack(PgCluster pg) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(b -> b.set(Settings.POOL_MODE, PoolMode.TRANSACTION)
                .set(Settings.SHUTDOWN_TIMEOUT, Duration.ofSeconds(1)));
             PgWireClient inTx = sluice.wire()) {
            Proxy proxy = sluice.server().proxy();
            queryOk(inTx, "BEGIN");
            queryOk(inTx, "INSERT INTO drain_it VALUES ('never committed')");
            long t0 = System.nanoTime();
            proxy.shutdown(true);
            Message e = fatalThenClose(inTx);
            assertThat(e.errorCode()).isEqualTo("57P01");
            assertThat(e.errorMessage()).contains("shutdown_timeout");
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until closed").isBetween(800L, 5000L);
            proxy.drain().done().get(2, TimeUnit.SECONDS);
            await(Duration.ofSeconds(3), "rolled back", () -> {
                try {
                    return rows(pg).isEmpty() && pg.backendStates(PgCluster.SCRAM_USER).stream()
                            .noneMatch(s -> s != null && s.startsWith("idle in transaction"));
                } catch (SQLException ex) {
                    return false;
                }
            });
        }
    }

    private static Connection jdbc(int port) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", PgCluster.SCRAM_USER);
        p.setProperty("password", PgCluster.SCRAM_PASSWORD);
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "30");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + PgCluster.TEST_DB, p);
    }

    private static String backend(PgCluster pg) {
        return "postgres://" + PgCluster.SCRAM_USER + ":" + PgCluster.SCRAM_PASSWORD + "@" + pg.host() + ":" + pg.port()
                + "/" + PgCluster.TEST_DB;
    }

    @Test
    void sigtermDrainsARealProcess(PgCluster pg) throws Exception {
        try (SluiceProcess sluice = SluiceProcess.start(backend(pg), Map.of("SLUICE_SHUTDOWN_TIMEOUT", "20"));
             Connection c = jdbc(sluice.port()); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("INSERT INTO drain_it VALUES ('in flight')");
            sluice.signal("TERM");
            await(Duration.ofSeconds(3), "listener closed", () -> refusesConnections(sluice.port()),
                    sluice::output);
            assertThat(sluice.process().isAlive()).as("still serving the open transaction").isTrue();
            st.execute("INSERT INTO drain_it VALUES ('after SIGTERM')");
            c.commit();
            assertThat(rows(pg)).containsExactly("after SIGTERM", "in flight");
            assertThatThrownBy(() -> st.execute("select 1")).isInstanceOfSatisfying(SQLException.class,
                    e -> assertThat(e.getSQLState()).isEqualTo("57P01"));
            assertThat(sluice.process().waitFor(5, TimeUnit.SECONDS)).as("exited; output %s", sluice.output()).isTrue();
            assertThat(sluice.process().exitValue()).isZero();
        }
    }

    @Test
    void secondSignalExitsAtOnce(PgCluster pg) throws Exception {
        try (SluiceProcess sluice = SluiceProcess.start(backend(pg), Map.of("SLUICE_SHUTDOWN_TIMEOUT", "30"));
             Connection c = jdbc(sluice.port()); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("INSERT INTO drain_it VALUES ('abandoned')");
            sluice.signal("INT");
            await(Duration.ofSeconds(3), "listener closed", () -> refusesConnections(sluice.port()),
                    sluice::output);
            assertThat(sluice.process().isAlive()).isTrue();
            long t0 = System.nanoTime();
            sluice.signal("INT");
            assertThat(sluice.process().waitFor(5, TimeUnit.SECONDS)).as("exited; output %s", sluice.output()).isTrue();
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms to exit").isLessThan(5000L);
            assertThat(sluice.process().exitValue()).isZero();
            assertThatThrownBy(() -> st.execute("select 1")).isInstanceOf(SQLException.class);
            await(Duration.ofSeconds(3), "the open transaction rolled back", () -> {
                try {
                    return rows(pg).isEmpty();
                } catch (SQLException e) {
                    return false;
                }
            });
        }
    }
}
