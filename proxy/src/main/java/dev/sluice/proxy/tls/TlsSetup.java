// Builds Netty SslContexts (JDK provider) from the client_tls_* and server_tls_* settings.
package dev.sluice.proxy.tls;

import dev.sluice.config.AuthType;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.TlsMode;
import dev.sluice.protocol.scram.ChannelBinding;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * Reads the certificate files once per (re)load. Failures name the setting and file, so a bad reload leaves
 * the previous contexts in place with a message an operator can act on.
 */
final class TlsSetup {
    /** ALPN protocol name PostgreSQL 17 uses; required for direct TLS, checked when offered otherwise. */
    static final String ALPN_POSTGRESQL = "postgresql";

    private TlsSetup() {
    }

    /** The client-facing side; {@link ClientTls#off()} when sslmode is disable or no certificate is set. */
    static ClientTls client(SluiceConfig cfg) {
        TlsMode mode = cfg.clientTlsSslmode();
        String cert = cfg.get(Settings.CLIENT_TLS_CERT_FILE);
        String key = cfg.get(Settings.CLIENT_TLS_KEY_FILE);
        String ca = cfg.get(Settings.CLIENT_TLS_CA_FILE);
        if (cfg.authType() == AuthType.CERT && (mode == TlsMode.DISABLE || ca == null)) {
            throw new TlsConfigException("auth_type = cert needs client_tls_sslmode other than disable and"
                    + " client_tls_ca_file to check client certificates against");
        }
        if (mode == TlsMode.DISABLE) {
            return ClientTls.off(mode);
        }
        if (cert == null || key == null) {
            if (mode.atLeast(TlsMode.REQUIRE)) {
                throw new TlsConfigException("client_tls_sslmode = " + mode
                        + " needs client_tls_cert_file and client_tls_key_file");
            }
            return ClientTls.off(mode); // as PgBouncer: allow/prefer without a certificate answer 'N'
        }
        if (mode.atLeast(TlsMode.VERIFY_CA) && ca == null) {
            throw new TlsConfigException("client_tls_sslmode = " + mode + " needs client_tls_ca_file");
        }
        readable(Settings.CLIENT_TLS_CERT_FILE.name(), cert);
        readable(Settings.CLIENT_TLS_KEY_FILE.name(), key);
        readable(Settings.CLIENT_TLS_CA_FILE.name(), ca);
        try {
            List<X509Certificate> chain = certificates(Settings.CLIENT_TLS_CERT_FILE.name(), cert);
            SslContextBuilder b = SslContextBuilder.forServer(PemKeys.read(Path.of(key)), chain)
                    .sslProvider(SslProvider.JDK);
            if (ca != null) {
                b.trustManager(file(ca));
                // PgBouncer asks for a certificate on every TLS login (auth_type cert may need it) but only
                // insists in verify-ca/verify-full
                b.clientAuth(mode.atLeast(TlsMode.VERIFY_CA) ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
            }
            b.applicationProtocolConfig(new ApplicationProtocolConfig(Protocol.ALPN,
                    SelectorFailureBehavior.FATAL_ALERT, SelectedListenerFailureBehavior.FATAL_ALERT, ALPN_POSTGRESQL));
            apply(b, cfg.get(Settings.CLIENT_TLS_PROTOCOLS), cfg.get(Settings.CLIENT_TLS_CIPHERS),
                    cfg.get(Settings.CLIENT_TLS13_CIPHERS), "client_tls");
            return new ClientTls(mode, b.build(), ChannelBinding.tlsServerEndPoint(chain.get(0)));
        } catch (TlsConfigException e) {
            throw e;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new TlsConfigException("client TLS: cannot use client_tls_cert_file " + cert
                    + " / client_tls_key_file " + key + (ca != null ? " / client_tls_ca_file " + ca : "")
                    + ": " + reason(e), e);
        }
    }

    /** The PostgreSQL-facing side. */
    static ServerTls server(SluiceConfig cfg) {
        TlsMode mode = cfg.serverTlsSslmode();
        if (mode == TlsMode.DISABLE) {
            return new ServerTls(mode, null);
        }
        String ca = cfg.get(Settings.SERVER_TLS_CA_FILE);
        String cert = cfg.get(Settings.SERVER_TLS_CERT_FILE);
        String key = cfg.get(Settings.SERVER_TLS_KEY_FILE);
        readable(Settings.SERVER_TLS_CA_FILE.name(), ca);
        readable(Settings.SERVER_TLS_CERT_FILE.name(), cert);
        readable(Settings.SERVER_TLS_KEY_FILE.name(), key);
        try {
            SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
            if (mode.atLeast(TlsMode.VERIFY_CA)) {
                if (ca != null) {
                    b.trustManager(file(ca));
                } // else the JDK's default trust store, like a browser's
                b.endpointIdentificationAlgorithm(mode == TlsMode.VERIFY_FULL ? "HTTPS" : null);
            } else {
                // allow/prefer/require encrypt but, as in libpq and PgBouncer, do not authenticate the server
                b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
            }
            if (cert != null && key != null) {
                b.keyManager(PemKeys.read(Path.of(key)), certificates(Settings.SERVER_TLS_CERT_FILE.name(), cert));
            }
            apply(b, cfg.get(Settings.SERVER_TLS_PROTOCOLS), cfg.get(Settings.SERVER_TLS_CIPHERS),
                    cfg.get(Settings.SERVER_TLS13_CIPHERS), "server_tls");
            return new ServerTls(mode, b.build());
        } catch (TlsConfigException e) {
            throw e;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new TlsConfigException("server TLS: cannot use server_tls_ca_file " + ca
                    + " / server_tls_cert_file " + cert + " / server_tls_key_file " + key + ": " + reason(e), e);
        }
    }

    private static void apply(SslContextBuilder b, String protocols, String ciphers, String tls13, String prefix)
            throws GeneralSecurityException {
        b.protocols(protocols(protocols, prefix + "_protocols"));
        List<String> suites = ciphers(ciphers, tls13, prefix);
        if (suites != null) {
            b.ciphers(suites);
        }
    }

    /** PgBouncer's words: tlsv1.0..tlsv1.3, all, secure/default (1.2 and 1.3), legacy (all). */
    static String[] protocols(String text, String setting) {
        Set<String> out = new LinkedHashSet<>();
        for (String w : text.toLowerCase(Locale.ROOT).split("[,:\\s]+")) {
            switch (w) {
                case "" -> { }
                case "tlsv1.0", "tlsv1" -> out.add("TLSv1");
                case "tlsv1.1" -> out.add("TLSv1.1");
                case "tlsv1.2" -> out.add("TLSv1.2");
                case "tlsv1.3" -> out.add("TLSv1.3");
                case "secure", "default" -> out.addAll(List.of("TLSv1.2", "TLSv1.3"));
                case "all", "legacy" -> out.addAll(List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"));
                default -> throw new TlsConfigException(setting + " = " + text + ": unknown word '" + w
                        + "' (expected tlsv1.0, tlsv1.1, tlsv1.2, tlsv1.3, all, secure, legacy)");
            }
        }
        if (out.isEmpty()) {
            throw new TlsConfigException(setting + " is empty");
        }
        return out.toArray(String[]::new);
    }

    /**
     * Null keeps the JDK's defaults. Names may be OpenSSL's (ECDHE-RSA-AES128-GCM-SHA256) or IANA's
     * (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256); a name the JDK does not know is an error, not silently dropped.
     */
    static List<String> ciphers(String tls12, String tls13, String prefix) throws GeneralSecurityException {
        boolean default12 = Set.of("default", "secure", "normal", "fast", "all", "").contains(tls12.trim().toLowerCase(Locale.ROOT));
        if (default12 && tls13.isBlank()) {
            return null;
        }
        Set<String> supported = Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
        String[] defaults = SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites();
        List<String> out = new ArrayList<>();
        if (tls13.isBlank()) {
            for (String s : defaults) {
                if (s.startsWith("TLS_AES_") || s.startsWith("TLS_CHACHA20_")) {
                    out.add(s);
                }
            }
        } else {
            addSuites(out, tls13, supported, prefix.replace("_tls", "_tls13") + "_ciphers");
        }
        if (default12) {
            for (String s : defaults) {
                if (!out.contains(s) && !s.startsWith("TLS_AES_") && !s.startsWith("TLS_CHACHA20_")) {
                    out.add(s);
                }
            }
        } else {
            addSuites(out, tls12, supported, prefix + "_ciphers");
        }
        return out;
    }

    private static void addSuites(List<String> out, String text, Set<String> supported, String setting) {
        for (String name : text.split("[:,\\s]+")) {
            if (name.isEmpty()) {
                continue;
            }
            String java = supported.contains(name) ? name : CipherSuiteConverter.toJava(name, "TLS");
            if (java == null || !supported.contains(java)) {
                throw new TlsConfigException(setting + ": cipher suite " + name + " is not known to this JVM");
            }
            out.add(java);
        }
    }

    private static List<X509Certificate> certificates(String setting, String path)
            throws IOException, GeneralSecurityException {
        List<X509Certificate> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
        }
        if (out.isEmpty()) {
            throw new TlsConfigException(setting + " " + path + " holds no certificate");
        }
        return out;
    }

    private static void readable(String setting, String path) {
        if (path != null && !Files.isReadable(Path.of(path))) {
            throw new TlsConfigException(setting + " " + path + ": no such file or not readable");
        }
    }

    private static File file(String path) throws IOException {
        File f = new File(path);
        if (!f.canRead()) {
            throw new IOException(path + ": no such file or not readable");
        }
        return f;
    }

    private static String reason(Exception e) {
        Throwable t = e;
        while (t.getCause() != null && t.getMessage() != null && t.getMessage().equals(t.getCause().toString())) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
