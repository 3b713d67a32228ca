// The image's HEALTHCHECK script: exit 0 only when /health on the metrics address answers 200.
package dev.sluice.proxy.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthcheckScriptTest {
    private HttpServer server;
    private final AtomicReference<String> lastPath = new AtomicReference<>();
    private volatile int status = 200;

    @BeforeEach
    void start() throws Exception {
        // the JDK's HTTP server on a free loopback port stands in for Sluice's metrics endpoint
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            lastPath.set(exchange.getRequestURI().getPath());
            byte[] body = (status == 200 ? "ok\n" : "not ready\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private int check(String metricsListen) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of(DeployFiles.path("deploy/bin/sluice-healthcheck").toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = pb.environment();
        env.put("SLUICE_METRICS_LISTEN", metricsListen);
        Process p = pb.start();
        assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    @Test
    void healthyWhenHealthAnswers200() throws Exception {
        // the image sets 0.0.0.0:PORT; the script asks loopback
        assertThat(check("0.0.0.0:" + server.getAddress().getPort())).isZero();
        assertThat(lastPath.get()).isEqualTo("/health");
    }

    @Test
    void unhealthyOnAnyOtherStatus() throws Exception {
        status = 503;
        assertThat(check("127.0.0.1:" + server.getAddress().getPort())).isEqualTo(1);
    }

    @Test
    void unhealthyWhenNothingListens() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        assertThat(check("127.0.0.1:" + closed)).isEqualTo(1);
    }
}
