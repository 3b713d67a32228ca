// Runs the real `sluice` command as a child process (the packaged jar, else the test classpath) for signal tests.
package dev.sluice.proxy.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Close it to kill the process if a test left it running (it is ours: we started it and know its pid). */
public final class SluiceProcess implements AutoCloseable {
    private final Process proc;
    private final int port;
    private final List<String> output = new CopyOnWriteArrayList<>();

    private SluiceProcess(Process proc, int port, CountDownLatch listening) throws InterruptedException {
        this.proc = proc;
        this.port = port;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                    if (line.contains("listening on")) {
                        listening.countDown();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "sluice-process-output");
        reader.setDaemon(true);
        reader.start();
        if (!listening.await(20, TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            throw new IllegalStateException("sluice did not start; output: " + output);
        }
    }

    /** Starts {@code sluice --backend URL --listen 127.0.0.1:<free port>} with extra environment variables. */
    public static SluiceProcess start(String backendUrl, Map<String, String> env) throws IOException, InterruptedException {
        int port = freePort();
        return start(List.of("--backend", backendUrl, "--listen", "127.0.0.1:" + port), env, port);
    }

    /**
     * Starts {@code sluice ARGS} (which make it listen on {@code port}) with no SLUICE_* or DATABASE_URL from this
     * JVM's environment but {@code env}, and waits for its banner.
     */
    public static SluiceProcess start(List<String> args, Map<String, String> env, int port)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(command());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("SLUICE_") || k.equals("DATABASE_URL"));
        pb.environment().putAll(env);
        return new SluiceProcess(pb.start(), port, new CountDownLatch(1));
    }

    /** A TCP port free right now on 127.0.0.1. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Waits up to {@code seconds} for an output line containing {@code text}. */
    public boolean awaitLine(String text, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (output.stream().anyMatch(l -> l.contains(text))) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /**
     * The shaded jar when `make build` left one at least as new as the compiled classes, else the same main
     * class from the test classpath (in `mvn verify` the jar is packaged after the tests run, so a jar found
     * then is the previous build's).
     */
    public static List<String> command() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (Path dir : List.of(Path.of("target"), Path.of("proxy", "target"))) {
            Path jar = dir.resolve("sluice.jar");
            if (Files.isRegularFile(jar) && !olderThanClasses(jar, dir.resolve("classes"))) {
                return List.of(java, "-jar", jar.toAbsolutePath().toString());
            }
        }
        // the product's logging (logback.xml, INFO to stdout) rather than the tests' logback-test.xml
        java.net.URL logback = dev.sluice.proxy.Main.class.getResource("/logback.xml");
        return logback == null
                ? List.of(java, "-cp", System.getProperty("java.class.path"), "dev.sluice.proxy.Main")
                : List.of(java, "-Dlogback.configurationFile=" + logback, "-cp", System.getProperty("java.class.path"),
                        "dev.sluice.proxy.Main");
    }

    private static boolean olderThanClasses(Path jar, Path classes) {
        try (var files = Files.walk(classes)) {
            long jarTime = Files.getLastModifiedTime(jar).toMillis();
            return files.anyMatch(f -> {
                try {
                    return Files.getLastModifiedTime(f).toMillis() > jarTime;
                } catch (IOException e) {
                    return true;
                }
            });
        } catch (IOException e) {
            return true; // no classes directory: cannot tell, use the classpath
        }
    }

    public int port() {
        return port;
    }

    public Process process() {
        return proc;
    }

    public List<String> output() {
        return output;
    }

    /** Sends a signal (TERM, INT) to this process by its pid. */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(proc.pid())).start();
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + proc.pid() + " failed");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (proc.isAlive()) {
            proc.destroyForcibly();
            proc.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
