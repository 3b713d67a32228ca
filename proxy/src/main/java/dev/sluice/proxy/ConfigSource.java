// Where a reload gets its new config: the same file, environment and command line the process started with.
package dev.sluice.proxy;

import dev.sluice.config.ConfigException;
import dev.sluice.config.SluiceConfig;

/** Called on the reloading thread (SIGHUP handler or admin console), never on an event loop's hot path. */
@FunctionalInterface
public interface ConfigSource {
    SluiceConfig load() throws ConfigException;
}
