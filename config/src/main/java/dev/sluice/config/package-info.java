// The settings model: PgBouncer-compatible ini files, userlists, backend URLs and env overrides.
/**
 * Sluice's configuration: everything the proxy needs to know before it opens a socket.
 *
 * <p>Every setting of the {@code [pgbouncer]} section is declared once, as one line in
 * {@link dev.sluice.config.Settings}: its name, {@link dev.sluice.config.ValueType value type},
 * default and description. Loaders ({@link dev.sluice.config.IniLoader}, environment overrides,
 * {@link dev.sluice.config.UrlConfig}) only ever go through that table, so adding a setting is one
 * line and every source validates it the same way.
 *
 * <p>Rules for this package:
 * <ul>
 *   <li>{@link dev.sluice.config.SluiceConfig} and everything it holds is immutable; a reload builds
 *       a new one.</li>
 *   <li>Bad input is a {@link dev.sluice.config.ConfigException} naming the file, line, key, value and
 *       what was expected; harmless oddities (unknown or ignored settings) become warnings on the
 *       config, because this module has no logging framework.</li>
 *   <li>Passwords and userlist secrets never appear in exception messages, warnings or
 *       {@code toString()} output.</li>
 *   <li>No network or Netty code: this package knows files, not sockets.</li>
 * </ul>
 */
package dev.sluice.config;
