// Server-connection limits shared by several pools: max_db_connections per database, max_user_connections per user.
package dev.sluice.proxy.pool;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts open servers of one database and one user; 0 as a maximum means unlimited. */
public final class Limits {
    private final AtomicInteger db;
    private volatile int maxDb;
    private final AtomicInteger user;
    private volatile int maxUser;

    public Limits(AtomicInteger db, int maxDb, AtomicInteger user, int maxUser) {
        this.db = db;
        this.maxDb = maxDb;
        this.user = user;
        this.maxUser = maxUser;
    }

    /** A reload changed max_db_connections or max_user_connections; the counts stay as they are. */
    public void update(int maxDb, int maxUser) {
        this.maxDb = maxDb;
        this.maxUser = maxUser;
    }

    /** max_db_connections for this pool's database; 0 = unlimited. */
    public int maxDb() {
        return maxDb;
    }

    /** max_user_connections for this pool's user; 0 = unlimited. */
    public int maxUser() {
        return maxUser;
    }

    /** Server connections open to this pool's database, all users. */
    public int dbConnections() {
        return db.get();
    }

    public boolean mayOpen() {
        return (maxDb <= 0 || db.get() < maxDb) && (maxUser <= 0 || user.get() < maxUser);
    }

    /** Which limit stops a new server now, as "name=value", or null. */
    public String reached() {
        if (maxDb > 0 && db.get() >= maxDb) {
            return "max_db_connections=" + maxDb;
        }
        if (maxUser > 0 && user.get() >= maxUser) {
            return "max_user_connections=" + maxUser;
        }
        return null;
    }

    void serverOpened() {
        db.incrementAndGet();
        user.incrementAndGet();
    }

    void serverClosed() {
        db.decrementAndGet();
        user.decrementAndGet();
    }
}
