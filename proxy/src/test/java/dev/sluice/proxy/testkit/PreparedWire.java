// Helpers for the prepared-statement integration tests: short extended-protocol round trips and reply decoding.
package dev.sluice.proxy.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proxy.testkit.PgWireClient.Message;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Static helpers built only on {@link PgWireClient}; nothing here knows Sluice internals. */
public final class PreparedWire {
    public static final int INT4 = 23;
    public static final int INT8 = 20;
    public static final int TEXT = 25;

    private PreparedWire() {
    }

    /** The type bytes of {@code ms} as a string, e.g. "12DCZ". */
    public static String types(List<Message> ms) {
        StringBuilder b = new StringBuilder(ms.size());
        ms.forEach(m -> b.append(m.type()));
        return b.toString();
    }

    /** Readable dump for failure messages: types plus error codes/messages. */
    public static String describe(List<Message> ms) {
        StringBuilder b = new StringBuilder(types(ms));
        for (Message m : ms) {
            if (m.type() == 'E' || m.type() == 'N') {
                b.append(' ').append(m);
            }
        }
        return b.toString();
    }

    /** The first ErrorResponse in {@code ms}, or null. */
    public static Message error(List<Message> ms) {
        for (Message m : ms) {
            if (m.type() == 'E') {
                return m;
            }
        }
        return null;
    }

    public static String errorCode(List<Message> ms) {
        Message e = error(ms);
        return e == null ? null : e.errorCode();
    }

    /** All DataRows of {@code ms} as text. */
    public static List<List<String>> rows(List<Message> ms) {
        List<List<String>> out = new ArrayList<>();
        for (Message m : ms) {
            if (m.type() == 'D') {
                out.add(m.dataRowText());
            }
        }
        return out;
    }

    /** Parse + Sync; the replies through ReadyForQuery. */
    public static List<Message> prepare(PgWireClient w, String name, String sql, int... oids) {
        w.parse(name, sql, oids);
        w.sync();
        return w.readUntilReady();
    }

    /** Parse + Sync that must succeed ("1Z"). */
    public static void prepareOk(PgWireClient w, String name, String sql, int... oids) {
        List<Message> ms = prepare(w, name, sql, oids);
        assertThat(types(ms)).as("Parse %s: %s", name, describe(ms)).isEqualTo("1Z");
    }

    /** Bind (unnamed portal) + Execute + Sync of statement {@code stmt}; the replies through ReadyForQuery. */
    public static List<Message> run(PgWireClient w, String stmt, String... params) {
        w.bind("", stmt, List.of(params));
        w.execute("", 0);
        w.sync();
        return w.readUntilReady();
    }

    /** {@link #run} that must succeed with exactly one row ("2DCZ"); that row. */
    public static List<String> runOne(PgWireClient w, String stmt, String... params) {
        List<Message> ms = run(w, stmt, params);
        assertThat(types(ms)).as("Bind/Execute %s: %s", stmt, describe(ms)).isEqualTo("2DCZ");
        return ms.get(1).dataRowText();
    }

    /** Names in pg_prepared_statements of the server this client is on now (simple query, creates none). */
    public static List<String> serverStatementNames(PgWireClient w) {
        List<String> out = new ArrayList<>();
        for (List<String> r : w.simpleQuery("select name from pg_prepared_statements order by name")) {
            out.add(r.get(0));
        }
        return out;
    }

    /** Parameter type OIDs of a ParameterDescription ('t'). */
    public static List<Integer> parameterOids(Message m) {
        assertThat(m.type()).isEqualTo('t');
        ByteBuffer b = ByteBuffer.wrap(m.body());
        int n = b.getShort() & 0xFFFF;
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(b.getInt());
        }
        return out;
    }

    /** Column names of a RowDescription ('T'). */
    public static List<String> columnNames(Message m) {
        assertThat(m.type()).isEqualTo('T');
        byte[] body = m.body();
        ByteBuffer b = ByteBuffer.wrap(body);
        int n = b.getShort() & 0xFFFF;
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int start = b.position();
            int end = start;
            while (body[end] != 0) {
                end++;
            }
            out.add(new String(body, start, end - start, StandardCharsets.UTF_8));
            b.position(end + 1 + 4 + 2 + 4 + 2 + 4 + 2);
        }
        return out;
    }
}
