// Identifies a pool: the database name clients ask for and the user they log in as.
package dev.sluice.proxy.pool;

/** Pools are per (database, user), as in PgBouncer. */
public record PoolKey(String database, String user) {
    @Override
    public String toString() {
        return database + "/" + user;
    }
}
