// The admin console: PgBouncer's virtual database "pgbouncer" (alias "sluice") and its commands.
/**
 * A client that logs in to the virtual database gets an {@link dev.sluice.proxy.admin.AdminSession} instead of a
 * pool: it answers simple and extended protocol on the client's event loop from
 * {@link dev.sluice.proxy.admin.AdminCommands} (the command table). SHOW producers read pool state under each
 * pool's monitor and keep PgBouncer 1.2x's column names and order, Sluice's extra columns last; actions on pools
 * go through {@link dev.sluice.proxy.pool.PoolAdmin}, so queue moves stay in {@code PoolLists.changeState}.
 */
package dev.sluice.proxy.admin;
