// The table of every [pgbouncer] setting Sluice understands: add a setting by adding one line here.
package dev.sluice.config;

import static java.time.temporal.ChronoUnit.MILLIS;
import static java.time.temporal.ChronoUnit.SECONDS;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * All settings, with PgBouncer's names, defaults and meanings unless a description says otherwise.
 * Durations written as bare numbers are seconds, as in PgBouncer (tcp_user_timeout: milliseconds);
 * a zero duration or limit means "disabled" / "unlimited" where PgBouncer says so.
 */
public final class Settings {
    // Declared before the constants: each define() call below registers into it, in order.
    private static final Map<String, Setting<?>> BY_NAME = new LinkedHashMap<>();

    private static final ValueType<Integer> PORT = ValueType.integer(0, 65535);
    private static final ValueType<Integer> POOL = ValueType.integer(0, 100_000);
    private static final ValueType<Integer> CONNS = ValueType.integer(0, 1_000_000);
    private static final ValueType<Duration> SECS = ValueType.duration(SECONDS);
    private static final ValueType<Boolean> BOOL = ValueType.bool();
    private static final ValueType<String> TEXT = ValueType.string();
    private static final ValueType<List<String>> LIST = ValueType.list();
    private static final ValueType<String> FILE = ValueType.optionalString();
    private static final ValueType<TlsMode> TLS_MODE = ValueType.enumeration(TlsMode.class, TlsMode::parse);

    public static final Setting<String> LISTEN_ADDR = define("listen_addr", TEXT, "127.0.0.1",
            "address to listen on; '*' for all. PgBouncer leaves it unset, Sluice defaults to loopback");
    public static final Setting<Integer> LISTEN_PORT = define("listen_port", PORT, 6432,
            "TCP port to listen on; 0 picks a free port (useful in tests)");
    public static final Setting<AuthType> AUTH_TYPE = define("auth_type",
            ValueType.enumeration(AuthType.class, AuthType::parse), AuthType.MD5, "how clients authenticate");
    public static final Setting<String> AUTH_FILE = define("auth_file", ValueType.optionalString(), null,
            "userlist file with \"user\" \"secret\" lines; relative to the ini file's directory");
    public static final Setting<String> AUTH_HBA_FILE = define("auth_hba_file", ValueType.optionalString(), null,
            "pg_hba.conf-style rules for auth_type = hba; relative to the ini file's directory");
    public static final Setting<String> AUTH_USER = define("auth_user", ValueType.optionalString(), null,
            "user that runs auth_query for users not in the auth_file (its secret comes from the auth_file)");
    public static final Setting<String> AUTH_QUERY = define("auth_query", TEXT,
            "SELECT rolname, CASE WHEN rolvaliduntil < now() THEN NULL ELSE rolpassword END FROM pg_authid"
                    + " WHERE rolname=$1 AND rolcanlogin",
            "query returning (user name, secret) for $1; run as auth_user, results cached for 5 s");
    public static final Setting<String> AUTH_DBNAME = define("auth_dbname", ValueType.optionalString(), null,
            "database auth_query runs in; empty = the database the client asked for");
    public static final Setting<PoolMode> POOL_MODE = define("pool_mode",
            ValueType.enumeration(PoolMode.class, PoolMode::parse), PoolMode.TRANSACTION,
            "when a server goes back to the pool (PgBouncer defaults to session)");
    public static final Setting<Integer> DEFAULT_POOL_SIZE = define("default_pool_size", ValueType.integer(1, 100_000), 20,
            "server connections per (database, user) pool");
    public static final Setting<Integer> MIN_POOL_SIZE = define("min_pool_size", POOL, 0,
            "keep at least this many server connections open per pool");
    public static final Setting<Integer> RESERVE_POOL_SIZE = define("reserve_pool_size", POOL, 0,
            "extra connections a pool may open when clients wait longer than reserve_pool_timeout");
    public static final Setting<Duration> RESERVE_POOL_TIMEOUT = define("reserve_pool_timeout", SECS, Duration.ofSeconds(5),
            "how long a client waits before the reserve pool is used");
    public static final Setting<Integer> MAX_CLIENT_CONN = define("max_client_conn", ValueType.integer(1, 1_000_000), 100,
            "maximum client connections accepted");
    public static final Setting<Integer> MAX_DB_CONNECTIONS = define("max_db_connections", CONNS, 0,
            "maximum server connections per database, all users together; 0 = unlimited");
    public static final Setting<Integer> MAX_USER_CONNECTIONS = define("max_user_connections", CONNS, 0,
            "maximum server connections per user, all databases together; 0 = unlimited");
    public static final Setting<String> SERVER_RESET_QUERY = define("server_reset_query", TEXT, "DISCARD ALL",
            "run on a server before another client gets it (session mode, or always); empty = none");
    public static final Setting<Boolean> SERVER_RESET_QUERY_ALWAYS = define("server_reset_query_always", BOOL, false,
            "run server_reset_query in every pool mode, not only session mode");
    public static final Setting<List<String>> ADMIN_USERS = define("admin_users", LIST, List.of(),
            "users allowed to run any admin console command");
    public static final Setting<List<String>> STATS_USERS = define("stats_users", LIST, List.of(),
            "users allowed read-only SHOW commands on the admin console");
    public static final Setting<List<String>> IGNORE_STARTUP_PARAMETERS = define("ignore_startup_parameters", LIST, List.of(),
            "extra startup parameters to accept and drop (common driver ones are always accepted)");
    public static final Setting<Duration> QUERY_WAIT_TIMEOUT = define("query_wait_timeout", SECS, Duration.ofSeconds(120),
            "longest a client waits for a server before it is refused; 0 = forever");
    public static final Setting<Integer> MAX_WAITING_CLIENTS = define("max_waiting_clients", CONNS, 0,
            "Sluice only: clients a pool lets wait for a server; past it a new waiter gets 53300 at once;"
                    + " 0 = unlimited");
    public static final Setting<Duration> SHUTDOWN_TIMEOUT = define("shutdown_timeout", SECS, Duration.ofSeconds(30),
            "Sluice only: on SIGTERM, how long clients may finish their transactions before Sluice exits anyway");
    public static final Setting<Duration> QUERY_TIMEOUT = define("query_timeout", SECS, Duration.ZERO,
            "a query running longer is cancelled and its client disconnected with 57014; 0 = disabled");
    public static final Setting<Duration> TRANSACTION_TIMEOUT = define("transaction_timeout", SECS, Duration.ZERO,
            "a client inside one transaction longer than this is disconnected and the transaction rolled back;"
                    + " 0 = disabled");
    public static final Setting<Duration> CLIENT_LOGIN_TIMEOUT = define("client_login_timeout", SECS, Duration.ofSeconds(60),
            "clients that do not finish logging in within this are disconnected; 0 = disabled");
    public static final Setting<Duration> CLIENT_IDLE_TIMEOUT = define("client_idle_timeout", SECS, Duration.ZERO,
            "idle client connections are closed after this; 0 = disabled");
    public static final Setting<Duration> IDLE_TRANSACTION_TIMEOUT = define("idle_transaction_timeout", SECS, Duration.ZERO,
            "clients idle inside a transaction are disconnected after this; 0 = disabled");
    public static final Setting<Duration> SERVER_CONNECT_TIMEOUT = define("server_connect_timeout", SECS, Duration.ofSeconds(15),
            "limit for connecting to and logging in on a server");
    public static final Setting<Duration> SERVER_LOGIN_RETRY = define("server_login_retry", SECS, Duration.ofSeconds(15),
            "wait before retrying after a failed server connect or login");
    public static final Setting<Duration> SERVER_LIFETIME = define("server_lifetime", SECS, Duration.ofSeconds(3600),
            "unused servers older than this are closed; 0 = use once in session mode only");
    public static final Setting<Duration> SERVER_LIFETIME_JITTER = define("server_lifetime_jitter", SECS, Duration.ZERO,
            "Sluice only: each server's lifetime is shortened by a random part of this (at most half of"
                    + " server_lifetime), so servers opened together are not recycled in one wave; 0 = exact");
    public static final Setting<Duration> SERVER_IDLE_TIMEOUT = define("server_idle_timeout", SECS, Duration.ofSeconds(600),
            "servers idle longer than this are closed; 0 = disabled");
    public static final Setting<Duration> SERVER_CHECK_DELAY = define("server_check_delay", SECS, Duration.ofSeconds(30),
            "idle servers unused for longer than this are health-checked before reuse; 0 = always");
    public static final Setting<String> SERVER_CHECK_QUERY = define("server_check_query", TEXT, "",
            "health-check query; empty = an empty query (cheapest round trip)");
    public static final Setting<Duration> CANCEL_WAIT_TIMEOUT = define("cancel_wait_timeout", SECS, Duration.ofSeconds(10),
            "longest a cancel request waits for a server to send it on; 0 = forever");
    public static final Setting<Integer> MAX_PACKET_SIZE = define("max_packet_size", ValueType.integer(1024, Integer.MAX_VALUE),
            Integer.MAX_VALUE, "largest protocol message accepted in bytes; bigger ones are refused");
    public static final Setting<Integer> MAX_PREPARED_STATEMENTS = define("max_prepared_statements", POOL, 200,
            "prepared statements tracked per server in transaction mode (LRU); 0 = no tracking");
    public static final Setting<Boolean> APPLICATION_NAME_ADD_HOST = define("application_name_add_host", BOOL, false,
            "append the client's host and port to application_name");
    public static final Setting<Boolean> TCP_KEEPALIVE = define("tcp_keepalive", BOOL, true,
            "enable TCP keepalive on client and server sockets");
    public static final Setting<Duration> TCP_KEEPIDLE = define("tcp_keepidle", SECS, Duration.ZERO,
            "idle time before the first keepalive probe; 0 = OS default");
    public static final Setting<Duration> TCP_KEEPINTVL = define("tcp_keepintvl", SECS, Duration.ZERO,
            "time between keepalive probes; 0 = OS default");
    public static final Setting<Integer> TCP_KEEPCNT = define("tcp_keepcnt", ValueType.integer(0, 1000), 0,
            "unanswered probes before the connection is dropped; 0 = OS default");
    public static final Setting<Duration> TCP_USER_TIMEOUT = define("tcp_user_timeout", ValueType.duration(MILLIS), Duration.ZERO,
            "TCP_USER_TIMEOUT, bare numbers in milliseconds as in PgBouncer; 0 = OS default");
    public static final Setting<TlsMode> CLIENT_TLS_SSLMODE = define("client_tls_sslmode", TLS_MODE, TlsMode.DISABLE,
            "TLS towards clients: disable, allow, prefer, require (plain logins refused), verify-ca/verify-full"
            + " (client certificate signed by client_tls_ca_file required)");
    public static final Setting<String> CLIENT_TLS_KEY_FILE = define("client_tls_key_file", FILE, null,
            "private key (PEM: PKCS#8, RSA or EC, unencrypted) of the certificate Sluice shows clients");
    public static final Setting<String> CLIENT_TLS_CERT_FILE = define("client_tls_cert_file", FILE, null,
            "certificate chain (PEM) Sluice shows clients");
    public static final Setting<String> CLIENT_TLS_CA_FILE = define("client_tls_ca_file", FILE, null,
            "CA certificates (PEM) client certificates are checked against");
    public static final Setting<String> CLIENT_TLS_PROTOCOLS = define("client_tls_protocols", TEXT, "secure",
            "TLS versions offered to clients: tlsv1.0..tlsv1.3, all, secure (= tlsv1.2,tlsv1.3), legacy");
    public static final Setting<String> CLIENT_TLS_CIPHERS = define("client_tls_ciphers", TEXT, "default",
            "TLS 1.2 cipher suites for clients, colon-separated (OpenSSL or IANA names); default/secure/normal/fast/all"
            + " = the JDK's defaults");
    public static final Setting<String> CLIENT_TLS13_CIPHERS = define("client_tls13_ciphers", TEXT, "",
            "TLS 1.3 cipher suites for clients, colon-separated; empty = the JDK's defaults");
    public static final Setting<TlsMode> SERVER_TLS_SSLMODE = define("server_tls_sslmode", TLS_MODE, TlsMode.PREFER,
            "TLS towards PostgreSQL: disable, allow/prefer (TLS when offered), require, verify-ca, verify-full");
    public static final Setting<String> SERVER_TLS_CA_FILE = define("server_tls_ca_file", FILE, null,
            "CA certificates (PEM) PostgreSQL's certificate is checked against in verify-ca/verify-full");
    public static final Setting<String> SERVER_TLS_CERT_FILE = define("server_tls_cert_file", FILE, null,
            "client certificate (PEM) Sluice shows PostgreSQL");
    public static final Setting<String> SERVER_TLS_KEY_FILE = define("server_tls_key_file", FILE, null,
            "private key (PEM: PKCS#8, RSA or EC, unencrypted) of server_tls_cert_file");
    public static final Setting<String> SERVER_TLS_PROTOCOLS = define("server_tls_protocols", TEXT, "secure",
            "TLS versions used towards PostgreSQL (same words as client_tls_protocols)");
    public static final Setting<String> SERVER_TLS_CIPHERS = define("server_tls_ciphers", TEXT, "default",
            "TLS 1.2 cipher suites towards PostgreSQL (same form as client_tls_ciphers)");
    public static final Setting<String> SERVER_TLS13_CIPHERS = define("server_tls13_ciphers", TEXT, "",
            "TLS 1.3 cipher suites towards PostgreSQL; empty = the JDK's defaults");
    public static final Setting<Boolean> LOG_CONNECTIONS = define("log_connections", BOOL, true,
            "log successful logins");
    public static final Setting<Boolean> LOG_DISCONNECTIONS = define("log_disconnections", BOOL, true,
            "log disconnections with the reason");
    public static final Setting<Duration> STATS_PERIOD = define("stats_period", ValueType.duration(SECONDS),
            Duration.ofSeconds(60), "how often a stats line per pool is logged and SHOW STATS averages are computed;"
                    + " 0 = no stats lines");
    public static final Setting<Double> POOL_UTILIZATION_WARN = define("pool_utilization_warn", ValueType.ratio(),
            0.8, "Sluice only: WARN when a pool uses more than this fraction of pool_size for a minute; 0 = never");
    public static final Setting<String> METRICS_LISTEN = define("metrics_listen", TEXT, "127.0.0.1:9127",
            "Sluice only: HOST:PORT of the HTTP endpoint (/metrics, /health, /ready); empty = off; port 0 picks a free one");
    public static final Setting<Boolean> METRICS_PGBOUNCER_COMPAT = define("metrics_pgbouncer_compat", BOOL, true,
            "Sluice only: also export the numbers under pgbouncer_exporter's metric names");
    public static final Setting<String> LOG_FORMAT = define("log_format", TEXT, "text",
            "Sluice only: text, or json (one JSON object per line, for log shippers)");

    /**
     * PgBouncer 1.2x settings Sluice accepts without error but does not act on, so an existing
     * pgbouncer.ini loads; each one found produces a warning rather than silence.
     */
    private static final Set<String> NOT_IMPLEMENTED = Set.of(
            "logfile", "pidfile", "user", "conffile", "service_name", "job_name",
            "unix_socket_dir", "unix_socket_mode", "unix_socket_group", "so_reuseport", "peer_id", "pkt_buf",
            "listen_backlog", "sbuf_loopcnt", "tcp_defer_accept", "tcp_socket_buffer", "suspend_timeout",
            "auth_ident_file", "auth_ldap_options",
            "syslog", "syslog_ident", "syslog_facility", "verbose", "log_stats", "log_pooler_errors",
            "autodb_idle_timeout", "dns_max_ttl", "dns_nxdomain_ttl",
            "dns_zone_check_period", "resolv_conf", "server_round_robin", "server_fast_close",
            "disable_pqexec", "track_extra_parameters", "max_db_client_connections",
            "max_user_client_connections", "query_wait_notify", "scram_iterations",
            // the JDK picks key-exchange groups itself (jdk.tls.namedGroups); OpenSSL-only knobs
            "client_tls_ecdhcurve", "client_tls_dheparams");

    /**
     * Settings a running Sluice cannot change: they shape the listening socket or the socket options every
     * connection is made with. A reload that changes one reports it and keeps the running value.
     */
    private static final Set<String> RESTART = Set.of("listen_addr", "listen_port", "tcp_keepalive",
            "tcp_keepidle", "tcp_keepintvl", "tcp_keepcnt", "tcp_user_timeout", "metrics_listen", "log_format");

    /**
     * Unimplemented PgBouncer settings that would silently weaken security or change what clients see if
     * ignored; a file setting them to anything but their harmless values is refused. Name -> allowed values.
     */
    private static final Map<String, Set<String>> REFUSED_UNLESS = Map.of(
            "auth_ident_file", Set.of(""),
            "max_db_client_connections", Set.of("", "0"),
            "max_user_client_connections", Set.of("", "0"),
            "disable_pqexec", Set.of("", "0", "false", "no", "off"),
            "server_round_robin", Set.of("", "0", "false", "no", "off"));

    private Settings() {
    }

    private static <T> Setting<T> define(String name, ValueType<T> type, T defaultValue, String description) {
        Setting<T> setting = new Setting<>(name, type, defaultValue, description);
        BY_NAME.put(name, setting);
        return setting;
    }

    /** Every setting, in declaration order. */
    public static Collection<Setting<?>> all() {
        return Collections.unmodifiableCollection(BY_NAME.values());
    }

    /** The setting with this ini key (case-insensitive), or null. */
    public static Setting<?> byName(String name) {
        return BY_NAME.get(name.toLowerCase(Locale.ROOT));
    }

    /** True for settings naming a file, which an ini file gives relative to its own directory. */
    public static boolean isFilePath(Setting<?> setting) {
        return setting == AUTH_FILE || setting == AUTH_HBA_FILE || setting.type() == FILE;
    }

    /** True for PgBouncer settings that Sluice reads without error but ignores. */
    public static boolean isNotImplemented(String name) {
        return NOT_IMPLEMENTED.contains(name.toLowerCase(Locale.ROOT));
    }

    /** PgBouncer settings accepted with a warning (for the reference page). */
    public static Set<String> notImplementedNames() {
        return NOT_IMPLEMENTED;
    }

    /** Unimplemented settings refused unless set to a harmless value (for the reference page). */
    public static Set<String> refusedNames() {
        return REFUSED_UNLESS.keySet();
    }

    /** False for settings that only a restart applies (listen address, socket options). */
    public static boolean reloadable(Setting<?> setting) {
        return !RESTART.contains(setting.name());
    }

    /**
     * Why an unimplemented setting with this value is refused, or null when ignoring it is harmless.
     * Refused values are those that would make Sluice quietly weaker or different from what the file asks.
     */
    public static String refusal(String name, String value) {
        Set<String> allowed = REFUSED_UNLESS.get(name.toLowerCase(Locale.ROOT));
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        if (allowed == null || allowed.contains(v)) {
            return null;
        }
        return name + " = '" + value.strip() + "' is not implemented by Sluice, and ignoring it would change "
                + "behaviour the file relies on; remove it or use " + (allowed.contains("") && allowed.size() == 1
                        ? "an empty value" : "one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
    }

    /** The closest known or accepted setting name to a misspelt one, or null if nothing is close. */
    public static String suggest(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        String best = Spelling.nearest(lower, BY_NAME.keySet());
        String ignored = Spelling.nearest(lower, NOT_IMPLEMENTED);
        if (best == null || (ignored != null
                && Spelling.distance(lower, ignored) < Spelling.distance(lower, best))) {
            return ignored;
        }
        return best;
    }
}
