// The `sluice` command: reads the config (file, URL or DATABASE_URL, then SLUICE_* overrides) and runs the pooler.
package dev.sluice.proxy;

import dev.sluice.config.BackendUrl;
import dev.sluice.config.ConfigException;
import dev.sluice.config.IniLoader;
import dev.sluice.config.PoolMode;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.UrlConfig;
import dev.sluice.proxy.server.UnixBackends;
import dev.sluice.proxy.check.CheckCommand;
import dev.sluice.proxy.check.SettingsCommand;
import dev.sluice.proxy.tls.TlsConfigException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Exit codes: 0 clean shutdown (SIGTERM/SIGINT), 1 runtime failure, 2 usage or configuration error. SIGHUP
 * reloads the config. Subcommands: {@code check} (validate, probe backends, capacity) and {@code settings}.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A PostgreSQL connection pooler. Point your DATABASE_URL at it.",
        footer = {"", "With neither --config nor --backend, DATABASE_URL is used.",
                "Any [pgbouncer] setting can be overridden with SLUICE_<SETTING> (e.g. SLUICE_DEFAULT_POOL_SIZE=10).",
                "Precedence: command line > environment > file > default. SIGHUP reloads the config."})
public final class Main implements Callable<Integer> {
    static final int EXIT_RUNTIME = 1;
    static final int EXIT_USAGE = 2;
    private static final String DEFAULT_LISTEN = "127.0.0.1:6432";

    @Option(names = "--config", paramLabel = "FILE", description = "PgBouncer-style ini file")
    Path config;

    @Option(names = "--backend", paramLabel = "URL", description = "postgres://USER:PASSWORD@HOST:PORT/DB to proxy")
    String backend;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "where clients connect (default: listen_addr:listen_port, else " + DEFAULT_LISTEN + ")")
    String listen;

    @Option(names = "--pool-mode", paramLabel = "MODE", description = "session, transaction or statement")
    String poolMode;

    @Option(names = "--pool-size", paramLabel = "N", description = "server connections per (database, user)")
    Integer poolSize;

    @Option(names = "--threads", paramLabel = "N",
            description = "event loops (default: one per two cores; SLUICE_THREADS also sets it)")
    Integer threads;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT",
            description = "HTTP endpoint for /metrics, /health and /ready (default: metrics_listen, else"
                    + " 127.0.0.1:9127); an empty value turns it off")
    String metricsListen;

    @Option(names = "--log-format", paramLabel = "FORMAT", description = "text (default) or json")
    String logFormat;

    private final Map<String, String> env;

    Main(Map<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            // the default (SIMPLE) records a stack trace for 1 in 128 buffers: measurable on the relay path;
            // the test suite runs with paranoid instead, where every leak fails the build
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
        System.exit(run(args, System.getenv()));
    }

    static int run(String[] args, Map<String, String> env) {
        CommandLine cl = new CommandLine(new Main(env));
        cl.addSubcommand("check", new CheckCommand(env, System.out));
        cl.addSubcommand("settings", new SettingsCommand(System.out));
        cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? EXIT_USAGE : EXIT_RUNTIME);
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("sluice: " + ex.getMessage());
            err.println("Try 'sluice --help' for more information.");
            return EXIT_USAGE;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        SluiceConfig cfg;
        try {
            cfg = load();
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("sluice: " + e.getMessage());
            return EXIT_USAGE;
        }
        try {
            LogFormat.apply(cfg.logFormat());
        } catch (IllegalArgumentException e) {
            System.err.println("sluice: " + e.getMessage());
            return EXIT_USAGE;
        }
        Logger log = LoggerFactory.getLogger("dev.sluice");
        cfg.warnings().forEach(log::warn);
        String unixProblem = UnixBackends.problem(cfg, io.netty.channel.epoll.Epoll.isAvailable());
        if (unixProblem != null) {
            System.err.println("sluice: " + unixProblem); // a config error, not a failure to listen
            return EXIT_USAGE;
        }
        SluiceServer server;
        try {
            server = SluiceServer.start(cfg, threads());
        } catch (TlsConfigException e) {
            System.err.println("sluice: " + e.getMessage()); // a TLS file that cannot be used: a config error
            return EXIT_USAGE;
        } catch (Exception e) {
            System.err.println("sluice: cannot listen on " + cfg.listenAddr() + ":" + cfg.listenPort() + ": "
                    + e.getMessage());
            return EXIT_RUNTIME;
        }
        server.proxy().configSource(this::load);
        installSignals(server.proxy());
        System.out.println(banner(cfg, server));
        System.out.flush();
        server.proxy().drain().done().join(); // SIGTERM/SIGINT or the admin console's SHUTDOWN
        server.close();
        return 0;
    }

    private int threads() {
        if (threads != null) {
            return threads;
        }
        String t = env.get("SLUICE_THREADS");
        return t != null && t.matches("[1-9][0-9]{0,3}") ? Integer.parseInt(t) : SluiceServer.defaultThreads();
    }

    SluiceConfig load() throws ConfigException {
        SluiceConfig.Builder b;
        if (config != null) {
            if (backend != null) {
                throw new ConfigException("give either --config or --backend, not both");
            }
            b = IniLoader.load(config).toBuilder();
        } else {
            String url = backend != null ? backend : env.get("DATABASE_URL");
            if (url == null || url.isBlank()) {
                throw new ConfigException("nothing to proxy: give --config FILE, --backend URL or set DATABASE_URL");
            }
            b = UrlConfig.builder(BackendUrl.parse(url));
        }
        SluiceConfig cfg = b.build().withEnvironment(env);
        if (listen != null) {
            int colon = listen.lastIndexOf(':');
            if (colon <= 0) {
                throw new ConfigException("--listen " + listen + ": expected HOST:PORT");
            }
            cfg = cfg.with(Settings.LISTEN_ADDR, listen.substring(0, colon))
                    .with(Settings.LISTEN_PORT, Settings.LISTEN_PORT.parse(listen.substring(colon + 1)));
        }
        if (poolMode != null) {
            cfg = cfg.with(Settings.POOL_MODE, PoolMode.parse(poolMode));
        }
        if (poolSize != null) {
            cfg = cfg.with(Settings.DEFAULT_POOL_SIZE, poolSize);
        }
        if (metricsListen != null) {
            cfg = cfg.with(Settings.METRICS_LISTEN, metricsListen);
        }
        if (logFormat != null) {
            cfg = cfg.with(Settings.LOG_FORMAT, logFormat);
        }
        return cfg;
    }

    /**
     * The first SIGTERM or SIGINT drains (clients finish their transactions, up to shutdown_timeout); a second
     * one of either exits at once. Handled signals let main() return normally: exit code 0 rather than 143.
     */
    private static void installSignals(Proxy proxy) {
        try {
            // SIGHUP re-reads the config, as PgBouncer does; the handler thread does the file I/O, not an event loop
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> proxy.reload());
        } catch (IllegalArgumentException e) {
            LoggerFactory.getLogger("dev.sluice").warn("SIGHUP is not available here; reload via the admin console");
        }
        AtomicInteger received = new AtomicInteger();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> proxy.shutdown(received.incrementAndGet() == 1));
            } catch (IllegalArgumentException e) {
                // the JVM keeps this signal for itself: it still exits, through the shutdown hooks
                Runtime.getRuntime().addShutdownHook(new Thread(() -> proxy.shutdown(false)));
            }
        }
    }

    static String banner(SluiceConfig cfg, SluiceServer server) {
        String host = cfg.listenAddr().equals("0.0.0.0") || cfg.listenAddr().equals("*") ? "127.0.0.1" : cfg.listenAddr();
        StringBuilder sb = new StringBuilder();
        sb.append("Sluice ").append(Version.text()).append(" listening on ").append(host).append(':')
                .append(server.port()).append(" (").append(cfg.poolMode()).append(" pooling, pool size ")
                .append(cfg.defaultPoolSize()).append(")\n");
        if (server.metrics() != null) {
            sb.append("  metrics: http://").append(server.metrics().address().getHostString()).append(':')
                    .append(server.metrics().address().getPort()).append("/metrics\n");
        }
        cfg.databases().values().forEach(db -> {
            String user = db.user() != null ? db.user() : "USER";
            sb.append("  ").append(db.name()).append(" -> ").append(db.host()).append(':').append(db.port())
                    .append('/').append(db.dbname() != null ? db.dbname() : db.name()).append('\n')
                    .append("  connect: psql 'postgres://").append(user).append("@").append(host).append(':')
                    .append(server.port()).append('/').append(db.isFallback() ? "DBNAME" : db.name()).append("'\n");
        });
        return sb.toString().stripTrailing();
    }

    /** Version from the jar manifest (set by the build). */
    static final class Version implements CommandLine.IVersionProvider {
        static String text() {
            String v = Main.class.getPackage().getImplementationVersion();
            return v != null ? v : "dev";
        }

        @Override
        public String[] getVersion() {
            return new String[] {"sluice " + text()};
        }
    }
}
