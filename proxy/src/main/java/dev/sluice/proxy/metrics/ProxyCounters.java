// Process-wide event counters that have no pool: disconnects by reason, errors by SQLSTATE class, idle kills.
package dev.sluice.proxy.metrics;

import dev.sluice.proxy.pool.DisconnectReason;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/** Written from any event loop at disconnects and errors (never per message); read at scrape. */
public final class ProxyCounters {
    /** Distinct application_name labels on idle-transaction kills; later names count as {@code other}. */
    public static final int TOP_APPLICATIONS = 20;
    public static final String OTHER = "other";
    private static final String CLASS_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private final LongAdder[] clientDisconnects = adders(DisconnectReason.values().length);
    private final LongAdder[] serverDisconnects = adders(DisconnectReason.values().length);
    /** Indexed by the two SQLSTATE class characters; created on first use of a class. */
    private final AtomicReferenceArray<LongAdder> errorClasses = new AtomicReferenceArray<>(36 * 36);
    private final ConcurrentHashMap<String, LongAdder> idleKills = new ConcurrentHashMap<>();

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** Called once per client at its one close path. */
    public void clientDisconnected(DisconnectReason reason, String applicationName) {
        clientDisconnects[reason.ordinal()].increment();
        if (reason == DisconnectReason.IDLE_TRANSACTION_TIMEOUT) {
            idleKill(applicationName);
        }
    }

    public void serverDisconnected(DisconnectReason reason) {
        serverDisconnects[reason.ordinal()].increment();
    }

    /** Counts an idle-in-transaction kill under the application's name, bounded to the first 20 names seen. */
    void idleKill(String applicationName) {
        String name = applicationName == null ? "" : applicationName;
        LongAdder a = idleKills.get(name);
        if (a == null) {
            synchronized (idleKills) {
                a = idleKills.get(name);
                if (a == null) {
                    a = idleKills.size() < TOP_APPLICATIONS || OTHER.equals(name)
                            ? idleKills.computeIfAbsent(name, k -> new LongAdder())
                            : idleKills.computeIfAbsent(OTHER, k -> new LongAdder());
                }
            }
        }
        a.increment();
    }

    /** An ErrorResponse went to a client; {@code c0 c1} are the first two SQLSTATE characters. */
    public void clientError(char c0, char c1) {
        int i0 = CLASS_CHARS.indexOf(c0);
        int i1 = CLASS_CHARS.indexOf(c1);
        if (i0 < 0 || i1 < 0) {
            return;
        }
        int i = i0 * 36 + i1;
        LongAdder a = errorClasses.get(i);
        if (a == null) {
            errorClasses.compareAndSet(i, null, new LongAdder());
            a = errorClasses.get(i);
        }
        a.increment();
    }

    public void clientError(String sqlState) {
        if (sqlState != null && sqlState.length() >= 2) {
            clientError(sqlState.charAt(0), sqlState.charAt(1));
        }
    }

    public long clientDisconnects(DisconnectReason r) {
        return clientDisconnects[r.ordinal()].sum();
    }

    public long serverDisconnects(DisconnectReason r) {
        return serverDisconnects[r.ordinal()].sum();
    }

    /** SQLSTATE class -> errors sent, for the classes seen so far. */
    public Map<String, Long> errorClasses() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < errorClasses.length(); i++) {
            LongAdder a = errorClasses.get(i);
            if (a != null) {
                out.put("" + CLASS_CHARS.charAt(i / 36) + CLASS_CHARS.charAt(i % 36), a.sum());
            }
        }
        return out;
    }

    public Map<String, Long> idleKills() {
        Map<String, Long> out = new LinkedHashMap<>();
        idleKills.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
