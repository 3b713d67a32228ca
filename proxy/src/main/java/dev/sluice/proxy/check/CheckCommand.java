// `sluice check --config FILE`: validates the config, logs in to every backend and checks connection capacity.
package dev.sluice.proxy.check;

import dev.sluice.config.ConfigException;
import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.IniLoader;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.proxy.server.Backend;
import dev.sluice.proxy.server.UnixBackends;
import dev.sluice.proxy.server.PgProbe;
import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Exit codes: 0 everything fine, 1 a backend is unreachable, refuses the login, or may run out of
 * connections ("too many clients already" found here rather than in production), 2 the config is invalid
 * (every problem is listed, not only the first).
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate a config, log in to each backend and check connection capacity.")
public final class CheckCommand implements Callable<Integer> {
    static final int EXIT_PROBLEM = 1;
    static final int EXIT_INVALID = 2;
    private static final String CAPACITY_SQL = "SELECT current_setting('server_version'),"
            + " current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int,"
            + " coalesce(current_setting('reserved_connections', true), '0')::int,"
            + " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') - 1";

    @Option(names = "--config", paramLabel = "FILE", required = true, description = "PgBouncer-style ini file")
    Path config;

    @Option(names = "--instances", paramLabel = "N", defaultValue = "1",
            description = "Sluice instances that will run this config side by side (default 1)")
    int instances;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "connect and query timeout per backend (default 5)")
    int timeoutSeconds;

    private final Map<String, String> env;
    private final PrintStream out;

    public CheckCommand(Map<String, String> env, PrintStream out) {
        this.env = env;
        this.out = out;
    }

    /** What one database entry's probe found. */
    record Probe(String database, String address, String dbname, String user, boolean reachable, boolean loginOk,
                 String error, String serverVersion, int available, String availableDetail) {
    }

    /** The capacity verdict for one PostgreSQL server (host:port). */
    record ServerCapacity(String address, int mayOpen, String mayOpenDetail, int available, String availableDetail,
                          boolean exceeded) {
    }

    @Override
    public Integer call() {
        if (instances < 1) {
            out.println("sluice check: --instances must be at least 1");
            return EXIT_INVALID;
        }
        IniLoader.Checked checked = IniLoader.check(config);
        List<String> problems = new ArrayList<>();
        checked.problems().forEach(p -> problems.add(p.getMessage()));
        SluiceConfig cfg = checked.config();
        if (cfg != null) {
            try {
                cfg = cfg.withEnvironment(env);
            } catch (ConfigException e) {
                problems.add(e.getMessage());
            }
        }
        if (cfg != null) {
            String unix = UnixBackends.problem(cfg, Epoll.isAvailable()); // what `sluice` itself would refuse at start
            if (unix != null) {
                problems.add(unix);
            }
        }
        Report report = new Report(config, checked.warnings(), problems, instances);
        if (!problems.isEmpty()) {
            report.print(out, json);
            return EXIT_INVALID;
        }
        Map<String, List<Probe>> byServer = new LinkedHashMap<>();
        for (DatabaseConfig db : cfg.databases().values()) {
            // each host of a host list may receive every connection when the others are down: check each
            for (String host : db.host().split(",")) {
                Probe p = probe(cfg, db, host);
                report.probes.add(p);
                byServer.computeIfAbsent(p.address(), k -> new ArrayList<>()).add(p);
            }
        }
        for (Map.Entry<String, List<Probe>> e : byServer.entrySet()) {
            report.capacity.add(capacity(cfg, e.getKey(), e.getValue()));
        }
        report.print(out, json);
        boolean bad = report.probes.stream().anyMatch(p -> !p.loginOk())
                || report.capacity.stream().anyMatch(ServerCapacity::exceeded);
        return bad ? EXIT_PROBLEM : 0;
    }

    private Probe probe(SluiceConfig cfg, DatabaseConfig db, String host) {
        String address = Backend.isUnixHost(host) ? Backend.socketPath(host, db.port()) : host + ":" + db.port();
        String user = probeUser(cfg, db);
        String dbname = db.dbname() != null ? db.dbname()
                : cfg.get(Settings.AUTH_DBNAME) != null ? cfg.get(Settings.AUTH_DBNAME) : "postgres";
        if (user == null) {
            return new Probe(db.name(), address, dbname, null, false, false,
                    "no user to log in with: set user= on the entry or list a user in the auth_file", null, -1, null);
        }
        String secret = db.password() != null ? db.password() : cfg.userlist().secret(user);
        int timeout = timeoutSeconds * 1000;
        try (PgProbe p = PgProbe.connect(host, db.port(), dbname, user, secret, null, timeout)) {
            List<String> row = p.query(CAPACITY_SQL).get(0);
            int max = Integer.parseInt(row.get(1));
            int superuser = Integer.parseInt(row.get(2));
            int reserved = Integer.parseInt(row.get(3));
            int inUse = Integer.parseInt(row.get(4));
            String detail = "max_connections " + max + " - superuser_reserved_connections " + superuser
                    + (reserved > 0 ? " - reserved_connections " + reserved : "") + " - in use " + inUse;
            return new Probe(db.name(), address, dbname, user, true, true, null, row.get(0),
                    max - superuser - reserved - inUse, detail);
        } catch (PgProbe.ProbeException e) {
            // the server answered: reachable, but this login (or the capacity query) was refused
            return new Probe(db.name(), address, dbname, user, true, false, e.sqlState() + " " + e.getMessage(),
                    null, -1, null);
        } catch (IOException e) {
            return new Probe(db.name(), address, dbname, user, false, false, describe(e), null, -1, null);
        }
    }

    /** The entry's user, else auth_user, else the first auth_file user (pools log in as the client's user). */
    private static String probeUser(SluiceConfig cfg, DatabaseConfig db) {
        if (db.user() != null) {
            return db.user();
        }
        if (db.authUser() != null) {
            return db.authUser();
        }
        if (cfg.get(Settings.AUTH_USER) != null) {
            return cfg.get(Settings.AUTH_USER);
        }
        return cfg.userlist().users().stream().findFirst().orElse(null);
    }

    private ServerCapacity capacity(SluiceConfig cfg, String address, List<Probe> probes) {
        long mayOpen = 0;
        StringBuilder detail = new StringBuilder();
        for (Probe p : probes) {
            StringBuilder why = new StringBuilder();
            int n = Capacity.maxServers(cfg, cfg.databases().get(p.database()), why);
            detail.append(detail.length() == 0 ? "" : ", ").append(p.database()).append(": ")
                    .append(n < 0 ? "?" : String.valueOf(n)).append(" (").append(why).append(')');
            mayOpen = n < 0 || mayOpen < 0 ? -1 : mayOpen + n;
        }
        int total = mayOpen < 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, mayOpen * instances);
        Probe measured = probes.stream().filter(Probe::loginOk).findFirst().orElse(null);
        if (measured == null) {
            return new ServerCapacity(address, total, detail.toString(), -1, "unknown: no login succeeded", false);
        }
        boolean exceeded = total < 0 || total > measured.available();
        return new ServerCapacity(address, total, detail.toString(), measured.available(), measured.availableDetail(),
                exceeded);
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
