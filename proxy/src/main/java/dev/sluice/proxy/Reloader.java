// Hot reload: re-reads the config, keeps restart-only settings, swaps the snapshot and reconfigures the pools.
package dev.sluice.proxy;

import dev.sluice.config.ConfigDiff;
import dev.sluice.config.ConfigException;
import dev.sluice.config.IniLoader;
import dev.sluice.config.Setting;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.proxy.server.UnixBackends;
import dev.sluice.proxy.tls.TlsConfigException;
import io.netty.channel.epoll.Epoll;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per {@link Proxy}. A reload either applies completely or changes nothing: the new config is loaded and
 * validated first, then swapped in with one volatile write, then the pools are reconfigured. Logged under
 * {@code dev.sluice.reload} either way, with exactly what changed or why it was refused.
 */
final class Reloader {
    private static final Logger log = LoggerFactory.getLogger("dev.sluice.reload");

    private final Supplier<SluiceConfig> running;
    private final Consumer<SluiceConfig> swap;
    private final Function<SluiceConfig, List<String>> reconfigurePools;
    /** Builds TLS contexts from a config (or throws, naming the file) and returns the swap that installs them. */
    private final Function<SluiceConfig, Runnable> prepareTls;
    private volatile ConfigSource source;

    Reloader(SluiceConfig initial, Supplier<SluiceConfig> running, Consumer<SluiceConfig> swap,
            Function<SluiceConfig, List<String>> reconfigurePools, Function<SluiceConfig, Runnable> prepareTls) {
        this.running = running;
        this.swap = swap;
        this.reconfigurePools = reconfigurePools;
        this.prepareTls = prepareTls;
        this.source = initial.sourceFile() == null ? null
                : () -> IniLoader.load(initial.sourceFile()).withEnvironment(System.getenv());
    }

    void source(ConfigSource s) {
        source = s;
    }

    ReloadResult reload() {
        ConfigSource s = source;
        if (s == null) {
            return logged(new ReloadResult(null, List.of(), "no config file to re-read (started from a URL or code)"));
        }
        SluiceConfig next;
        try {
            next = s.load();
        } catch (ConfigException | RuntimeException e) {
            return logged(new ReloadResult(null, List.of(), e.getMessage()));
        }
        return apply(next);
    }

    synchronized ReloadResult apply(SluiceConfig next) {
        SluiceConfig current = running.get();
        ConfigDiff diff = ConfigDiff.between(current, next);
        SluiceConfig.Builder b = next.toBuilder();
        for (Setting<?> setting : Settings.all()) {
            if (!Settings.reloadable(setting)) {
                keep(b, setting, current);
            }
        }
        SluiceConfig applied = b.build();
        String unix = UnixBackends.problem(applied, Epoll.isAvailable()); // as refused at start
        if (unix != null) {
            return logged(new ReloadResult(null, List.of(), unix));
        }
        Runnable tls;
        try {
            tls = prepareTls.apply(applied); // certificate files are re-read on every reload (rotation)
        } catch (TlsConfigException e) {
            return logged(new ReloadResult(null, List.of(), e.getMessage()));
        }
        applied.warnings().forEach(w -> log.warn("reload: {}", w));
        swap.accept(applied);
        tls.run();
        return logged(new ReloadResult(diff, reconfigurePools.apply(applied), null));
    }

    private static <T> void keep(SluiceConfig.Builder b, Setting<T> setting, SluiceConfig running) {
        b.set(setting, running.isSet(setting) ? running.get(setting) : null);
    }

    private static ReloadResult logged(ReloadResult r) {
        if (r.applied()) {
            log.info("{}", r);
        } else {
            log.error("{}", r);
        }
        return r;
    }
}
