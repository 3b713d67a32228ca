// Offline subcommands of the sluice CLI: `check` (validate, probe backends, capacity) and `settings` (reference).
/**
 * Commands that run instead of the pooler. They read the config with the same loaders as the pooler and talk
 * to PostgreSQL only through {@link dev.sluice.proxy.server.PgProbe} (blocking, on the calling thread: no event
 * loops exist here). Output goes to the stream given at construction so tests can read it.
 */
package dev.sluice.proxy.check;
