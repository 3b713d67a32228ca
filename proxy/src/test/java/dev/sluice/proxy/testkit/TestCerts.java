// Throwaway certificates for TLS tests, made with the openssl command: a CA, server and client certificates.
package dev.sluice.proxy.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.opentest4j.TestAbortedException;

/**
 * One directory per instance holding {@code ca.crt}; {@code server.crt/.key} for CN localhost with SAN
 * localhost and 127.0.0.1; {@code wronghost.crt/.key} for db.example.invalid only; a client certificate per
 * name given ({@code NAME.crt}, {@code NAME.key} as PEM PKCS#8 and {@code NAME.pk8} as DER for pgjdbc); and
 * {@code other-ca.crt}, a CA that signed nothing here. EC P-256 keys keep generation fast. openssl is the
 * one tool every machine with PostgreSQL has; without it the test is skipped, saying so.
 */
public final class TestCerts implements AutoCloseable {
    private final Path dir;

    private TestCerts(Path dir) {
        this.dir = dir;
    }

    /** Generates everything; {@code clientNames} become client certificate CNs. */
    public static TestCerts create(String... clientNames) {
        try {
            Path dir = Files.createTempDirectory("sluice-certs-");
            TestCerts c = new TestCerts(dir);
            c.ca("ca", "Sluice Test CA");
            c.ca("other-ca", "Sluice Other CA");
            c.signed("server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
            c.signed("wronghost", "db.example.invalid",
                    "subjectAltName=DNS:db.example.invalid\nextendedKeyUsage=serverAuth\n");
            for (String name : clientNames) {
                c.signed(name, name, "extendedKeyUsage=clientAuth\n");
            }
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    /** Path text, for settings. */
    public String path(String name) {
        return dir.resolve(name).toString();
    }

    private void ca(String name, String cn) {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", path(name + ".key"), "-out", path(name + ".crt"), "-days", "2", "-subj", "/CN=" + cn,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    private void signed(String name, String cn, String extensions) throws IOException {
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                + extensions);
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", path(name + ".key"), "-out", path(name + ".csr"), "-subj", "/CN=" + cn);
        openssl("x509", "-req", "-in", path(name + ".csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                "-set_serial", Long.toString(System.nanoTime() & 0x7fffffffL), "-days", "2", "-sha256",
                "-extfile", ext.toString(), "-out", path(name + ".crt"));
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", path(name + ".key"), "-outform", "DER", "-out", path(name + ".pk8"));
    }

    private void openssl(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        try {
            Path log = dir.resolve("openssl.log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("openssl timed out: " + cmd);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("openssl failed: " + cmd + "\n" + Files.readString(log));
            }
        } catch (IOException e) {
            throw new TestAbortedException("the openssl command is needed to make test certificates: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp dir of throwaway certificates is harmless
        }
    }
}
