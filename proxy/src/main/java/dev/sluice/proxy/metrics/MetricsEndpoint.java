// The HTTP endpoint (/metrics, /health, /ready) on the JDK's built-in server, on one thread of its own.
package dev.sluice.proxy.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.proxy.Proxy;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Never touches the proxy's event loops: scrapes read counters and take pool monitors briefly on this
 * endpoint's own thread. Micrometer supplies the registry, the text format and the JVM/process binders;
 * the sluice_* families come from {@link SluiceCollector}.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);
    private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer http;
    private final ExecutorService thread;
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;
    private final Readiness readiness;

    private MetricsEndpoint(HttpServer http, ExecutorService thread, PrometheusMeterRegistry registry, JvmGcMetrics gc,
                            Readiness readiness) {
        this.http = http;
        this.thread = thread;
        this.registry = registry;
        this.gc = gc;
        this.readiness = readiness;
    }

    /** Binds {@code HOST:PORT} (port 0 picks a free one). */
    public static MetricsEndpoint start(Proxy proxy, String listen, BooleanSupplier listening, String version)
            throws IOException {
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("metrics_listen = " + listen + ": expected HOST:PORT");
        }
        String host = listen.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metrics_listen = " + listen + ": expected HOST:PORT");
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        Readiness readiness = new Readiness(proxy, listening);
        registry.getPrometheusRegistry().register(
                new SluiceCollector(proxy, readiness, version));
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 16);
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-metrics");
            t.setDaemon(true);
            return t;
        });
        MetricsEndpoint endpoint = new MetricsEndpoint(http, thread, registry, gc, readiness);
        http.createContext("/", endpoint::handle);
        http.setExecutor(thread);
        http.start();
        log.debug("metrics endpoint on {}", http.getAddress());
        return endpoint;
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** The scrape text, as /metrics serves it. */
    public String scrape() {
        return registry.scrape();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                reply(ex, 405, "text/plain; charset=utf-8", "only GET\n");
                return;
            }
            switch (ex.getRequestURI().getPath()) {
                case "/metrics" -> reply(ex, 200, TEXT_FORMAT, registry.scrape());
                case "/health" -> reply(ex, 200, "text/plain; charset=utf-8", "ok\n");
                case "/ready" -> {
                    String why = readiness.check();
                    reply(ex, why == null ? 200 : 503, "text/plain; charset=utf-8", why == null ? "ready\n" : why + "\n");
                }
                default -> reply(ex, 404, "text/plain; charset=utf-8", "not found: try /metrics, /health or /ready\n");
            }
        } catch (RuntimeException e) {
            log.warn("metrics endpoint: {} failed", ex.getRequestURI(), e);
        }
    }

    private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
        thread.shutdownNow();
        gc.close();
        registry.close();
    }
}
