// Builds a whole config from one backend URL: the zero-config "sluice postgres://..." start.
package dev.sluice.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One database entry named after the URL's database, pointing at its host, port and credentials,
 * and an in-memory userlist holding the URL's user and password, so applications keep their
 * DATABASE_URL and only change host and port. Clients authenticate with SCRAM-SHA-256 against the
 * plain password. Everything else (listen address and port, pool mode and size) stays overridable
 * on the returned builder.
 */
public final class UrlConfig {
    /** URL options that libpq applies at connect time and the server accepts as startup parameters. */
    private static final Set<String> STARTUP_OPTIONS = Set.of("application_name", "client_encoding", "options");
    /** libpq's TLS file options, read as the server_tls_* settings they mean for Sluice's own backend login. */
    private static final Map<String, Setting<String>> TLS_FILES = Map.of("sslrootcert", Settings.SERVER_TLS_CA_FILE,
            "sslcert", Settings.SERVER_TLS_CERT_FILE, "sslkey", Settings.SERVER_TLS_KEY_FILE);

    private UrlConfig() {
    }

    /**
     * A URL without a password (a backend that trusts local connections, as in `make run`) makes Sluice
     * trust that one user too: clients still have to name it, and no other user gets in.
     *
     * {@code sslmode}, {@code sslrootcert}, {@code sslcert} and {@code sslkey} mean for Sluice's backend login what
     * they mean for libpq: they become server_tls_sslmode and the server_tls_*_file settings.
     *
     * @throws ConfigException if the URL lacks a user or has an sslmode libpq does not know
     */
    public static SluiceConfig.Builder builder(BackendUrl url) throws ConfigException {
        if (url.user() == null) {
            throw new ConfigException("backend URL " + url.redacted()
                    + " needs a user: clients log in to Sluice with the same credentials");
        }
        boolean trust = url.password() == null;
        SluiceConfig.Builder builder = SluiceConfig.builder()
                .set(Settings.AUTH_TYPE, trust ? AuthType.TRUST : AuthType.SCRAM_SHA_256);
        String sslmode = url.options().get("sslmode");
        if (sslmode != null) {
            try {
                builder.set(Settings.SERVER_TLS_SSLMODE, TlsMode.parse(sslmode));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("backend URL option sslmode=" + sslmode + ": " + e.getMessage());
            }
        }
        Map<String, String> startup = new LinkedHashMap<>();
        for (Map.Entry<String, String> option : url.options().entrySet()) {
            String key = option.getKey();
            if (STARTUP_OPTIONS.contains(key)) {
                startup.put(key, option.getValue());
            } else if (TLS_FILES.containsKey(key)) {
                builder.set(TLS_FILES.get(key), option.getValue());
            } else if (!key.equals("sslmode")) {
                builder.warning("backend URL option " + key + " is not implemented by Sluice; ignored");
            }
        }
        builder.database(new DatabaseConfig(url.database(), url.host(), url.port(), url.database(), url.user(),
                url.password(), null, null, null, null, null, null, null, startup, null));
        builder.userlist(Userlist.of(Map.of(url.user(), trust ? "" : url.password())));
        return builder;
    }
}
