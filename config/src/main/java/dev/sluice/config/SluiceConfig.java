// The immutable, validated configuration the proxy runs with: settings, databases, users, userlist.
package dev.sluice.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One complete configuration. Built by {@link IniLoader}, by {@link UrlConfig} from a backend URL,
 * or from code with {@link #builder()}; never changed afterwards, so a reload swaps in a new
 * instance and connections holding the old one keep a consistent view.
 */
public final class SluiceConfig {
    private final Map<Setting<?>, Object> values;
    private final Map<String, DatabaseConfig> databases;
    private final Map<String, UserConfig> users;
    private final Userlist userlist;
    private final HbaRules hba;
    private final Path sourceFile;
    private final List<String> warnings;

    private SluiceConfig(Builder b) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(b.values));
        this.databases = Collections.unmodifiableMap(new LinkedHashMap<>(b.databases));
        this.users = Collections.unmodifiableMap(new LinkedHashMap<>(b.users));
        this.userlist = b.userlist;
        this.hba = b.hba;
        this.sourceFile = b.sourceFile;
        this.warnings = List.copyOf(b.warnings);
    }

    /** A builder starting from all defaults, no databases and an empty userlist. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding everything this config holds, to derive a modified copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.values.putAll(values);
        b.databases.putAll(databases);
        b.users.putAll(users);
        b.userlist = userlist;
        b.hba = hba;
        b.sourceFile = sourceFile;
        b.warnings.addAll(warnings);
        return b;
    }

    /** A config serving one backend URL; see {@link UrlConfig#builder(BackendUrl)} to override more. */
    public static SluiceConfig fromBackendUrl(BackendUrl url) throws ConfigException {
        return UrlConfig.builder(url).build();
    }

    /** The value of a setting: the one set explicitly, else its default. */
    @SuppressWarnings("unchecked") // Builder.set only stores values that passed the setting's type check
    public <T> T get(Setting<T> setting) {
        return values.containsKey(setting) ? (T) values.get(setting) : setting.defaultValue();
    }

    /** True if the setting was given explicitly (file, environment or code) rather than defaulted. */
    public boolean isSet(Setting<?> setting) {
        return values.containsKey(setting);
    }

    /** A copy with one setting changed. */
    public <T> SluiceConfig with(Setting<T> setting, T value) {
        return toBuilder().set(setting, value).build();
    }

    /**
     * A copy with {@code SLUICE_<SETTING>} variables applied, validated like ini values.
     *
     * @throws ConfigException naming the variable when a value is invalid
     */
    public SluiceConfig withEnvironment(Map<String, String> env) throws ConfigException {
        return EnvOverrides.apply(this, env);
    }

    /** [databases] entries in file order, by client-visible name; "*" is the fallback entry. */
    public Map<String, DatabaseConfig> databases() {
        return databases;
    }

    /** The entry for a database name a client asked for: exact match, else "*", else null. */
    public DatabaseConfig database(String name) {
        DatabaseConfig exact = databases.get(name);
        return exact != null ? exact : databases.get(DatabaseConfig.FALLBACK);
    }

    /** [users] entries by user name. */
    public Map<String, UserConfig> users() {
        return users;
    }

    /** Users and secrets clients are checked against. */
    public Userlist userlist() {
        return userlist;
    }

    /** The auth_hba_file's rules, or null when none is set. */
    public HbaRules hba() {
        return hba;
    }

    /** The ini file this came from, or null when built from code or a URL. */
    public Path sourceFile() {
        return sourceFile;
    }

    /** Problems that did not stop loading (unknown or ignored settings), for the caller to log. */
    public List<String> warnings() {
        return warnings;
    }

    public String listenAddr() { return get(Settings.LISTEN_ADDR); }
    public int listenPort() { return get(Settings.LISTEN_PORT); }
    public AuthType authType() { return get(Settings.AUTH_TYPE); }
    /** The auth_file path as given (made absolute by the ini loader), or null. */
    public Path authFile() { String f = get(Settings.AUTH_FILE); return f == null ? null : Path.of(f); }
    public PoolMode poolMode() { return get(Settings.POOL_MODE); }
    public int defaultPoolSize() { return get(Settings.DEFAULT_POOL_SIZE); }
    public int minPoolSize() { return get(Settings.MIN_POOL_SIZE); }
    public int reservePoolSize() { return get(Settings.RESERVE_POOL_SIZE); }
    public Duration reservePoolTimeout() { return get(Settings.RESERVE_POOL_TIMEOUT); }
    public int maxClientConn() { return get(Settings.MAX_CLIENT_CONN); }
    public int maxDbConnections() { return get(Settings.MAX_DB_CONNECTIONS); }
    public int maxUserConnections() { return get(Settings.MAX_USER_CONNECTIONS); }
    public String serverResetQuery() { return get(Settings.SERVER_RESET_QUERY); }
    public boolean serverResetQueryAlways() { return get(Settings.SERVER_RESET_QUERY_ALWAYS); }
    public List<String> adminUsers() { return get(Settings.ADMIN_USERS); }
    public List<String> statsUsers() { return get(Settings.STATS_USERS); }
    public List<String> ignoreStartupParameters() { return get(Settings.IGNORE_STARTUP_PARAMETERS); }
    public Duration queryWaitTimeout() { return get(Settings.QUERY_WAIT_TIMEOUT); }
    public Duration queryTimeout() { return get(Settings.QUERY_TIMEOUT); }
    public Duration transactionTimeout() { return get(Settings.TRANSACTION_TIMEOUT); }
    public int maxWaitingClients() { return get(Settings.MAX_WAITING_CLIENTS); }
    public Duration shutdownTimeout() { return get(Settings.SHUTDOWN_TIMEOUT); }
    public Duration serverLifetimeJitter() { return get(Settings.SERVER_LIFETIME_JITTER); }
    public Duration clientLoginTimeout() { return get(Settings.CLIENT_LOGIN_TIMEOUT); }
    public Duration clientIdleTimeout() { return get(Settings.CLIENT_IDLE_TIMEOUT); }
    public Duration idleTransactionTimeout() { return get(Settings.IDLE_TRANSACTION_TIMEOUT); }
    public Duration serverConnectTimeout() { return get(Settings.SERVER_CONNECT_TIMEOUT); }
    public Duration serverLoginRetry() { return get(Settings.SERVER_LOGIN_RETRY); }
    public Duration serverLifetime() { return get(Settings.SERVER_LIFETIME); }
    public Duration serverIdleTimeout() { return get(Settings.SERVER_IDLE_TIMEOUT); }
    public Duration serverCheckDelay() { return get(Settings.SERVER_CHECK_DELAY); }
    public String serverCheckQuery() { return get(Settings.SERVER_CHECK_QUERY); }
    public Duration cancelWaitTimeout() { return get(Settings.CANCEL_WAIT_TIMEOUT); }
    public int maxPacketSize() { return get(Settings.MAX_PACKET_SIZE); }
    public int maxPreparedStatements() { return get(Settings.MAX_PREPARED_STATEMENTS); }
    public boolean applicationNameAddHost() { return get(Settings.APPLICATION_NAME_ADD_HOST); }
    public boolean tcpKeepalive() { return get(Settings.TCP_KEEPALIVE); }
    public Duration tcpKeepidle() { return get(Settings.TCP_KEEPIDLE); }
    public Duration tcpKeepintvl() { return get(Settings.TCP_KEEPINTVL); }
    public int tcpKeepcnt() { return get(Settings.TCP_KEEPCNT); }
    public Duration tcpUserTimeout() { return get(Settings.TCP_USER_TIMEOUT); }
    public boolean logConnections() { return get(Settings.LOG_CONNECTIONS); }
    public boolean logDisconnections() { return get(Settings.LOG_DISCONNECTIONS); }
    public TlsMode clientTlsSslmode() { return get(Settings.CLIENT_TLS_SSLMODE); }
    public TlsMode serverTlsSslmode() { return get(Settings.SERVER_TLS_SSLMODE); }
    public Duration statsPeriod() { return get(Settings.STATS_PERIOD); }
    public double poolUtilizationWarn() { return get(Settings.POOL_UTILIZATION_WARN); }
    public String metricsListen() { return get(Settings.METRICS_LISTEN); }
    public boolean metricsPgbouncerCompat() { return get(Settings.METRICS_PGBOUNCER_COMPAT); }
    public String logFormat() { return get(Settings.LOG_FORMAT); }

    /** Settings and database names only: secrets stay out of logs. */
    @Override
    public String toString() {
        return "SluiceConfig[source=" + sourceFile + ", databases=" + databases.keySet() + ", users="
                + users.keySet() + ", " + userlist + ", set=" + values.keySet() + "]";
    }

    /** Collects settings and entries; every value is type- and range-checked as it is set. */
    public static final class Builder {
        private final Map<Setting<?>, Object> values = new LinkedHashMap<>();
        private final Map<String, DatabaseConfig> databases = new LinkedHashMap<>();
        private final Map<String, UserConfig> users = new LinkedHashMap<>();
        private final List<String> warnings = new ArrayList<>();
        private Userlist userlist = Userlist.empty();
        private HbaRules hba;
        private Path sourceFile;

        private Builder() {
        }

        /**
         * Sets a value; null reverts to the default.
         *
         * @throws IllegalArgumentException if the value is out of the setting's range, e.g.
         *     "default_pool_size = 0: expected an integer in 1..100000"
         */
        public <T> Builder set(Setting<T> setting, T value) {
            if (value == null) {
                values.remove(setting);
                return this;
            }
            try {
                values.put(setting, setting.type().check(value));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(setting.name() + " = " + value + ": " + e.getMessage(), e);
            }
            return this;
        }

        /** Adds or replaces a [databases] entry by name. */
        public Builder database(DatabaseConfig database) {
            databases.put(database.name(), database);
            return this;
        }

        /** Adds or replaces a [users] entry by name. */
        public Builder user(UserConfig user) {
            users.put(user.name(), user);
            return this;
        }

        public Builder userlist(Userlist list) {
            this.userlist = list == null ? Userlist.empty() : list;
            return this;
        }

        public Builder hba(HbaRules rules) {
            this.hba = rules;
            return this;
        }

        public Builder sourceFile(Path file) {
            this.sourceFile = file;
            return this;
        }

        /** Records a non-fatal problem for {@link SluiceConfig#warnings()}. */
        public Builder warning(String message) {
            warnings.add(message);
            return this;
        }

        public SluiceConfig build() {
            return new SluiceConfig(this);
        }
    }
}
