// Small helpers shared by the transaction-pooling integration tests: polling, SQLSTATE lookup, admin SQL.
package dev.sluice.proxy.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Static helpers only; nothing here talks to Sluice internals. */
public final class TxItSupport {
    private TxItSupport() {
    }

    /** Polls {@code condition} every 50 ms until it holds; fails with {@code what} and the last state if not. */
    public static void await(Duration timeout, String what, BooleanSupplier condition, Supplier<Object> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for: " + what
                        + (state == null ? "" : "; last state: " + state.get()));
            }
            Thread.sleep(50);
        }
    }

    public static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        await(timeout, what, condition, null);
    }

    /** The first SQLSTATE found in {@code t} or its causes / chained SQLExceptions, or null. */
    /** Sends a simple Query; returns the replies through ReadyForQuery. */
    public static List<PgWireClient.Message> queryReplies(PgWireClient w, String sql) {
        w.query(sql);
        return w.readUntilReady();
    }

    /** {@link #queryReplies} that must not contain an ErrorResponse. */
    public static List<PgWireClient.Message> queryOk(PgWireClient w, String sql) {
        List<PgWireClient.Message> ms = queryReplies(w, sql);
        for (PgWireClient.Message m : ms) {
            org.assertj.core.api.Assertions.assertThat(m.type()).as("reply to %s: %s", sql, ms).isNotEqualTo('E');
        }
        return ms;
    }

    public static String sqlState(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException se) {
                for (SQLException e = se; e != null; e = e.getNextException()) {
                    if (e.getSQLState() != null) {
                        return e.getSQLState();
                    }
                }
            }
        }
        return null;
    }

    /** Runs statements as the superuser in the test database (DDL, grants, fixtures). */
    public static void adminExec(PgCluster pg, String... sql) throws SQLException {
        try (Connection c = pg.adminConnection(PgCluster.TEST_DB); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    /** Rows of a query in the test database as the superuser, columns as text. */
    public static List<List<String>> adminQuery(PgCluster pg, String sql, Object... params) throws SQLException {
        try (Connection c = pg.adminConnection(PgCluster.TEST_DB); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<List<String>> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>(n);
                    for (int i = 1; i <= n; i++) {
                        row.add(rs.getString(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    /**
     * Client backends of {@code user} (other than the asking one) whose query text contains {@code fragment}
     * and whose state is not idle: "pid state query" lines, for assertions and failure messages.
     */
    public static List<String> busyBackends(PgCluster pg, String user, String fragment) {
        try {
            List<List<String>> rows = adminQuery(pg, "SELECT pid::text, state, query FROM pg_stat_activity"
                    + " WHERE usename = ? AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                    + " AND state <> 'idle' AND strpos(query, ?) > 0", user, fragment);
            List<String> out = new ArrayList<>();
            for (List<String> r : rows) {
                out.add(String.join(" ", r));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("pg_stat_activity query failed", e);
        }
    }

    /** Every pg_stat_activity row of {@code user}: "pid state wait_event query", for failure messages. */
    public static List<String> activity(PgCluster pg, String user) {
        try {
            List<List<String>> rows = adminQuery(pg, "SELECT pid::text, state, coalesce(wait_event, '-'), query"
                    + " FROM pg_stat_activity WHERE usename = ? AND backend_type = 'client backend'"
                    + " AND pid <> pg_backend_pid() ORDER BY pid", user);
            List<String> out = new ArrayList<>();
            for (List<String> r : rows) {
                out.add(String.join(" | ", r));
            }
            return out;
        } catch (SQLException e) {
            return List.of("(pg_stat_activity failed: " + e + ")");
        }
    }
}
