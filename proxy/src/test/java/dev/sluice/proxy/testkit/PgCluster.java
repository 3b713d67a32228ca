// One private throwaway PostgreSQL cluster per test JVM (or an external server from SLUICE_TEST_PGURL) for integration tests.
package dev.sluice.proxy.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.opentest4j.TestAbortedException;

/**
 * A PostgreSQL server for tests. By default the first {@link #get()} creates a private cluster under
 * {@code /tmp/sluice-testpg-*} on a free port, so tests never touch a shared server and may stop or restart it;
 * a JVM shutdown hook destroys it. With {@code SLUICE_TEST_PGURL} set, that server is used instead and is never
 * stopped ({@link #controllable()} is false).
 */
public final class PgCluster {

    public static final String SUPERUSER = "postgres";
    public static final String TEST_DB = "sluice_test";
    public static final String SCRAM_USER = "sluice_scram";
    public static final String SCRAM_PASSWORD = "scram-secret";
    public static final String MD5_USER = "sluice_md5";
    public static final String MD5_PASSWORD = "md5-secret";
    public static final String PLAIN_USER = "sluice_plain";
    public static final String PLAIN_PASSWORD = "plain-secret";
    public static final String TRUST_USER = "sluice_trust";

    /** Env var naming an external server, libpq URL style: {@code postgres://user:pass@host:port/db}. */
    public static final String EXTERNAL_URL_ENV = "SLUICE_TEST_PGURL";

    private static final String DIR_PREFIX = "sluice-testpg-";
    private static final String OWNER_FILE = "owner.jvm.pid";
    private static final Path TMP = Paths.get("/tmp");
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(120);

    private static PgCluster instance;
    private static RuntimeException startFailure;

    private final boolean external;
    private final String host;
    private final String adminUser;
    private final String adminPassword;
    private final String adminDb;
    private int port;
    // Private-cluster only: base holds data/, sock/ and the owner file, so one rm -r removes everything.
    private Path baseDir;
    private Path dataDir;
    private Path binDir;
    private boolean running;
    /** Server certificate, key and CA files for a TLS cluster (ssl = on), or null. */
    private Path[] tlsFiles;

    private PgCluster(boolean external, String host, int port, String adminUser, String adminPassword, String adminDb) {
        this.external = external;
        this.host = host;
        this.port = port;
        this.adminUser = adminUser;
        this.adminPassword = adminPassword;
        this.adminDb = adminDb;
    }

    /** The JVM-wide server, started on first use; a failed start is remembered so every later caller fails fast. */
    public static synchronized PgCluster get() {
        if (instance != null) {
            return instance;
        }
        if (startFailure != null) {
            throw startFailure;
        }
        try {
            String url = System.getenv(EXTERNAL_URL_ENV);
            PgCluster c = (url != null && !url.isBlank()) ? fromUrl(url.trim()) : createPrivate();
            c.provisionRolesAndDatabase();
            instance = c;
            return c;
        } catch (RuntimeException e) {
            startFailure = e;
            throw e;
        } catch (Exception e) {
            startFailure = new IllegalStateException("could not start the test PostgreSQL cluster", e);
            throw startFailure;
        }
    }

    /**
     * A private cluster of the caller's own, separate from the JVM-wide one, with the same roles and database:
     * for tests that stop, start or restart PostgreSQL without disturbing other tests. Stop it with
     * {@link #destroyNow()} (a JVM shutdown hook does so too). Needs the server binaries even when
     * {@value #EXTERNAL_URL_ENV} is set.
     */
    public static PgCluster createThrowaway() {
        try {
            PgCluster c = createPrivate();
            c.provisionRolesAndDatabase();
            return c;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("could not start a throwaway PostgreSQL cluster", e);
        }
    }

    /** Stops a throwaway cluster at once and deletes its files. */
    public void destroyNow() {
        requireControllable("destroyNow");
        if (this == instance) {
            throw new IllegalStateException("the JVM-wide cluster is shared; only throwaway clusters are destroyed");
        }
        synchronized (this) {
            destroy();
            running = false;
        }
    }

    /**
     * A throwaway private cluster with {@code ssl = on}, serving {@code cert}/{@code key} and trusting {@code ca}
     * for client certificates; roles and database as on {@link #get()}. pg_hba: sluice_scram logs in with SCRAM
     * over TLS only, everyone else with trust. Stop it with {@link #destroyNow()}.
     */
    public static PgCluster startTls(Path cert, Path key, Path ca) {
        try {
            PgCluster c = createPrivate(new Path[] {cert, key, ca});
            c.provisionRolesAndDatabase();
            return c;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("could not start a TLS test PostgreSQL cluster", e);
        }
    }

    /** Skips (aborts) the calling test when the server cannot be stopped or restarted by the tests. */
    public static void assumeControllable() {
        if (!get().controllable()) {
            throw new TestAbortedException("test needs a private PostgreSQL cluster, but " + EXTERNAL_URL_ENV + " is set");
        }
    }

    public String host() {
        return host;
    }

    public synchronized int port() {
        return port;
    }

    /** The directory of this private cluster's unix socket (unix_socket_directories), for host=<dir> backends. */
    public Path socketDir() {
        requireControllable("socketDir");
        return baseDir.resolve("sock");
    }

    public boolean controllable() {
        return !external;
    }

    public String jdbcUrl(String db) {
        return "jdbc:postgresql://" + host + ":" + port() + "/" + db;
    }

    /** A superuser connection to the maintenance database; the caller closes it. */
    public Connection adminConnection() throws SQLException {
        return adminConnection(adminDb);
    }

    public Connection adminConnection(String db) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", adminUser);
        if (adminPassword != null) {
            p.setProperty("password", adminPassword);
        }
        p.setProperty("ApplicationName", "sluice-testkit-admin");
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(jdbcUrl(db), p);
    }

    /** Client backends of {@code user} right now, not counting the admin connection that asks. */
    public int countBackends(String user) {
        try (Connection c = adminConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                     + " WHERE usename = ? AND backend_type = 'client backend' AND pid <> pg_backend_pid()")) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("pg_stat_activity query failed", e);
        }
    }

    /** The {@code state} of each client backend of {@code user} (e.g. "idle", "idle in transaction"), by pid. */
    public List<String> backendStates(String user) {
        try (Connection c = adminConnection();
             PreparedStatement ps = c.prepareStatement("SELECT state FROM pg_stat_activity"
                     + " WHERE usename = ? AND backend_type = 'client backend' AND pid <> pg_backend_pid() ORDER BY pid")) {
            ps.setString(1, user);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("pg_stat_activity query failed", e);
        }
    }

    /** The server log (pg_ctl -l), useful to assert what the server saw. */
    public Path logFile() {
        requireControllable("logFile");
        return dataDir.resolve("server.log");
    }

    /** Fast shutdown: clients get an admin-shutdown FATAL and are disconnected, like a real maintenance stop. */
    public synchronized void stop() {
        requireControllable("stop");
        if (running) {
            pgCtl("-w", "-t", "60", "-m", "fast", "stop");
            running = false;
        }
    }

    /** Immediate shutdown: backends die without goodbye, like a server crash. */
    public synchronized void stopImmediately() {
        requireControllable("stopImmediately");
        if (running) {
            pgCtl("-w", "-t", "60", "-m", "immediate", "stop");
            running = false;
        }
    }

    public synchronized void start() {
        requireControllable("start");
        if (!running) {
            pgCtl("-w", "-t", "60", "-l", logFileUnchecked().toString(), "start");
            running = true;
        }
    }

    /** Stop then start on the same port with the same data, so clients see their server go away and come back. */
    public synchronized void restart() {
        requireControllable("restart");
        stop();
        start();
    }

    // ---- private cluster lifecycle -------------------------------------------------------------------------

    private static PgCluster createPrivate() throws Exception {
        return createPrivate(null);
    }

    private static PgCluster createPrivate(Path[] tlsFiles) throws Exception {
        removeStaleClusters();
        PgCluster c = new PgCluster(false, "127.0.0.1", 0, SUPERUSER, null, "postgres");
        c.tlsFiles = tlsFiles;
        c.binDir = findBinDir();
        c.baseDir = Files.createTempDirectory(TMP, DIR_PREFIX);
        // The owner file comes first so a concurrent JVM's stale sweep never mistakes this dir for an orphan.
        Files.writeString(c.baseDir.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
        c.dataDir = c.baseDir.resolve("data");
        Files.createDirectories(c.baseDir.resolve("sock"));
        Runtime.getRuntime().addShutdownHook(new Thread(c::destroy, "sluice-testpg-teardown"));
        if (isRoot()) {
            run(List.of("chown", "-R", SUPERUSER + ":", c.baseDir.toString()), false);
        }
        c.initdb();
        // A port picked by bind-and-close can be stolen before postgres binds it, so retry with a fresh one.
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            c.port = freePort();
            c.writeConfig();
            try {
                c.start();
                return c;
            } catch (IllegalStateException e) {
                last = e;
            }
        }
        throw last;
    }

    private void initdb() {
        List<String> base = List.of(binDir.resolve("initdb").toString(), "-D", dataDir.toString(),
                "-A", "trust", "-U", SUPERUSER, "--no-sync", "-E", "UTF8");
        List<String> utf8 = new ArrayList<>(base);
        utf8.add("--locale=C.UTF-8");
        CmdResult r = runAsPostgres(utf8, true);
        if (r.exit != 0) {
            // Minimal images may lack C.UTF-8; the C locale always exists and encoding stays UTF8.
            deleteTree(dataDir);
            List<String> c = new ArrayList<>(base);
            c.add("--locale=C");
            CmdResult r2 = runAsPostgres(c, true);
            if (r2.exit != 0) {
                throw new IllegalStateException("initdb failed:\n" + r.output + "\n" + r2.output);
            }
        }
    }

    private void writeConfig() throws IOException {
        Path sock = baseDir.resolve("sock");
        String conf = "\n# sluice test cluster\n"
                + "listen_addresses = '127.0.0.1'\n"
                + "port = " + port + "\n"
                + "unix_socket_directories = '" + sock + "'\n"
                + "max_connections = 300\n"
                + "fsync = off\n"
                + "synchronous_commit = off\n"
                + "full_page_writes = off\n"
                + "shared_buffers = 128MB\n"
                + "logging_collector = off\n"
                + "password_encryption = 'scram-sha-256'\n"
                + (tlsFiles == null ? "" : "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n"
                        + "ssl_ca_file = 'ca.crt'\n");
        // Written fresh each time so a port retry does not stack duplicate settings.
        Path auto = dataDir.resolve("postgresql.auto.conf");
        Path main = dataDir.resolve("postgresql.conf");
        String original = Files.readString(main);
        int mark = original.indexOf("\n# sluice test cluster\n");
        Files.writeString(main, (mark >= 0 ? original.substring(0, mark) : original) + conf);
        // Order matters: pg_hba is first-match, so the per-user rules must precede the catch-all trust line.
        String hba = "local all all trust\n"
                + "host all sluice_scram 127.0.0.1/32 scram-sha-256\n"
                + "host all sluice_md5 127.0.0.1/32 md5\n"
                + "host all sluice_plain 127.0.0.1/32 password\n"
                + "host all all 127.0.0.1/32 trust\n";
        if (tlsFiles != null) {
            hba = "local all all trust\n"
                    + "hostssl all sluice_scram 127.0.0.1/32 scram-sha-256\n"
                    + "host all all 127.0.0.1/32 trust\n";
            String[] names = {"server.crt", "server.key", "ca.crt"};
            for (int i = 0; i < names.length; i++) {
                Path target = dataDir.resolve(names[i]);
                Files.copy(tlsFiles[i], target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                // PostgreSQL refuses a key file others can read
                Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                if (isRoot()) {
                    run(List.of("chown", SUPERUSER + ":", target.toString()), false);
                }
            }
        }
        Files.writeString(dataDir.resolve("pg_hba.conf"), hba);
        if (isRoot()) {
            run(List.of("chown", SUPERUSER + ":", main.toString(), auto.toString(),
                    dataDir.resolve("pg_hba.conf").toString()), false);
        }
    }

    private Path logFileUnchecked() {
        return dataDir.resolve("server.log");
    }

    private void pgCtl(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binDir.resolve("pg_ctl").toString());
        cmd.add("-D");
        cmd.add(dataDir.toString());
        cmd.addAll(List.of(args));
        CmdResult r = runAsPostgres(cmd, true);
        if (r.exit != 0) {
            throw new IllegalStateException("pg_ctl " + String.join(" ", args) + " failed (exit " + r.exit + "):\n"
                    + r.output + "\n--- server log tail ---\n" + tail(logFileUnchecked(), 40));
        }
    }

    /** Shutdown-hook teardown: never throws, and makes sure no postmaster survives even if pg_ctl misbehaves. */
    private void destroy() {
        try {
            if (Files.isDirectory(dataDir)) {
                Optional<Long> pid = postmasterPid(dataDir);
                runAsPostgres(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(),
                        "-w", "-t", "20", "-m", "immediate", "stop"), true);
                pid.flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (RuntimeException e) {
            System.err.println("sluice-testpg: stop failed: " + e);
        } finally {
            deleteTree(baseDir);
        }
    }

    /**
     * A JVM killed with SIGKILL runs no shutdown hook, so its cluster would live forever; sweep those: the owning
     * JVM's pid is in the owner file, and a dir whose owner is gone gets its postmaster stopped and is deleted.
     */
    private static void removeStaleClusters() {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(TMP, DIR_PREFIX + "*")) {
            for (Path dir : dirs) {
                try {
                    if (ownerAlive(dir)) {
                        continue;
                    }
                    Path data = dir.resolve("data");
                    Optional<Long> pid = postmasterPid(data);
                    if (pid.flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false)) {
                        Path pgCtl = findBinDir().resolve("pg_ctl");
                        runAsPostgres(List.of(pgCtl.toString(), "-D", data.toString(), "-w", "-t", "20",
                                "-m", "immediate", "stop"), true);
                        pid.flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
                    }
                    deleteTree(dir);
                } catch (RuntimeException | IOException e) {
                    System.err.println("sluice-testpg: could not clean stale " + dir + ": " + e);
                }
            }
        } catch (IOException e) {
            System.err.println("sluice-testpg: could not scan " + TMP + ": " + e);
        }
    }

    private static boolean ownerAlive(Path dir) throws IOException {
        Path owner = dir.resolve(OWNER_FILE);
        if (!Files.exists(owner)) {
            // Between mkdtemp and the owner write another JVM's dir has no owner yet: only old ones are orphans.
            return Files.getLastModifiedTime(dir).toInstant().isAfter(Instant.now().minusSeconds(60));
        }
        String text = Files.readString(owner).trim();
        try {
            long pid = Long.parseLong(text);
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static Optional<Long> postmasterPid(Path data) {
        Path pidFile = data.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Path findBinDir() {
        try {
            CmdResult r = run(List.of("pg_config", "--bindir"), true);
            if (r.exit == 0) {
                Path p = Paths.get(r.output.trim());
                if (Files.isExecutable(p.resolve("initdb"))) {
                    return p;
                }
            }
        } catch (RuntimeException e) {
            // pg_config absent: fall through to the Debian layout.
        }
        Path root = Paths.get("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> s = Files.list(root)) {
                Optional<Path> newest = s.filter(p -> p.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                        .filter(p -> Files.isExecutable(p.resolve("bin/initdb")))
                        .max(Comparator.comparingDouble(p -> Double.parseDouble(p.getFileName().toString())));
                if (newest.isPresent()) {
                    return newest.get().resolve("bin");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("PostgreSQL server binaries (initdb, pg_ctl) not found: install the"
                + " postgresql package, or set " + EXTERNAL_URL_ENV + "=postgres://user:pass@host:port/db");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    // ---- external server -----------------------------------------------------------------------------------

    private static PgCluster fromUrl(String url) {
        URI uri = URI.create(url);
        if (!"postgres".equals(uri.getScheme()) && !"postgresql".equals(uri.getScheme())) {
            throw new IllegalArgumentException(EXTERNAL_URL_ENV + " must look like postgres://user:pass@host:port/db");
        }
        String user = SUPERUSER;
        String pass = null;
        if (uri.getRawUserInfo() != null) {
            String[] ui = uri.getRawUserInfo().split(":", 2);
            user = URLDecoder.decode(ui[0], StandardCharsets.UTF_8);
            pass = ui.length > 1 ? URLDecoder.decode(ui[1], StandardCharsets.UTF_8) : null;
        }
        String db = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        String h = uri.getHost() == null ? "127.0.0.1" : uri.getHost();
        return new PgCluster(true, h, uri.getPort() > 0 ? uri.getPort() : 5432, user, pass, db);
    }

    // ---- roles and database --------------------------------------------------------------------------------

    private void provisionRolesAndDatabase() throws SQLException {
        try (Connection c = adminConnection(); Statement st = c.createStatement()) {
            try {
                ensureRole(st, SCRAM_USER, SCRAM_PASSWORD, "scram-sha-256");
                ensureRole(st, MD5_USER, MD5_PASSWORD, "md5");
                ensureRole(st, PLAIN_USER, PLAIN_PASSWORD, "scram-sha-256");
                ensureRole(st, TRUST_USER, null, null);
                boolean exists;
                try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + TEST_DB + "'")) {
                    exists = rs.next();
                }
                if (!exists) {
                    st.execute("CREATE DATABASE " + TEST_DB + (external ? "" : " OWNER " + SUPERUSER));
                }
                st.execute("GRANT ALL ON DATABASE " + TEST_DB + " TO PUBLIC");
            } catch (SQLException e) {
                if (!external) {
                    throw e;
                }
                // An external server may not grant us CREATEROLE/CREATEDB; tests needing those roles then fail visibly.
                System.err.println("sluice-testpg: could not provision roles/database on external server: " + e);
                return;
            }
        }
        try (Connection c = adminConnection(TEST_DB); Statement st = c.createStatement()) {
            // PostgreSQL 15 no longer lets PUBLIC create in schema public; tests create tables as various roles.
            st.execute("GRANT ALL ON SCHEMA public TO PUBLIC");
        } catch (SQLException e) {
            if (!external) {
                throw e;
            }
            System.err.println("sluice-testpg: could not grant on schema public: " + e);
        }
    }

    private static void ensureRole(Statement st, String role, String password, String encryption) throws SQLException {
        boolean exists;
        try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + role + "'")) {
            exists = rs.next();
        }
        if (!exists) {
            st.execute("CREATE ROLE " + role + " LOGIN");
        }
        if (password != null) {
            // The session's password_encryption decides how ALTER ROLE stores the verifier (md5 vs SCRAM).
            st.execute("SET password_encryption = '" + encryption + "'");
            st.execute("ALTER ROLE " + role + " LOGIN PASSWORD '" + password + "'");
            st.execute("RESET password_encryption");
        } else {
            st.execute("ALTER ROLE " + role + " LOGIN PASSWORD NULL");
        }
    }

    // ---- process helpers -----------------------------------------------------------------------------------

    private void requireControllable(String what) {
        if (external) {
            throw new TestAbortedException(what + "() needs a private cluster; " + EXTERNAL_URL_ENV + " is set");
        }
    }

    private record CmdResult(int exit, String output) {
    }

    private static Boolean root;

    private static synchronized boolean isRoot() {
        if (root == null) {
            CmdResult r = run(List.of("id", "-u"), true);
            root = r.exit == 0 && r.output.trim().equals("0");
        }
        return root;
    }

    /** initdb and postgres refuse to run as root, so as root the command runs as the postgres OS user. */
    private static CmdResult runAsPostgres(List<String> cmd, boolean tolerateFailure) {
        if (!isRoot()) {
            return run(cmd, tolerateFailure);
        }
        List<String> wrapped = new ArrayList<>();
        if (Files.isExecutable(Paths.get("/usr/sbin/runuser")) || Files.isExecutable(Paths.get("/sbin/runuser"))) {
            wrapped.addAll(List.of("runuser", "-u", SUPERUSER, "--"));
            wrapped.addAll(cmd);
        } else {
            StringBuilder sh = new StringBuilder();
            for (String a : cmd) {
                sh.append('\'').append(a.replace("'", "'\\''")).append("' ");
            }
            wrapped.addAll(List.of("su", SUPERUSER, "-s", "/bin/sh", "-c", sh.toString()));
        }
        return run(wrapped, tolerateFailure);
    }

    private static CmdResult run(List<String> cmd, boolean tolerateFailure) {
        Path out = null;
        try {
            out = Files.createTempFile("sluice-testpg-cmd", ".out");
            // Output goes to a file, not a pipe: a daemonised postmaster holding a pipe open would hang the reader.
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .directory(TMP.toFile());
            pb.environment().put("LC_MESSAGES", "C");
            Process p = pb.start();
            if (!p.waitFor(CMD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", cmd));
            }
            CmdResult r = new CmdResult(p.exitValue(), Files.readString(out));
            if (r.exit != 0 && !tolerateFailure) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + r.exit + "):\n" + r.output);
            }
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // A leftover temp file is harmless.
                }
            }
        }
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // Keep going: a half-deleted dir is still better than none, and the sweep retries later.
                }
            });
        } catch (IOException e) {
            System.err.println("sluice-testpg: could not delete " + root + ": " + e);
        }
    }
}
