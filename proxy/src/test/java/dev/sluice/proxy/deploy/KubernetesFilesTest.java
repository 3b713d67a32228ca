// deploy/kubernetes: the manifests fit together (selectors, ports, probes, grace periods) and their config loads.
package dev.sluice.proxy.deploy;

import static dev.sluice.proxy.deploy.DeployFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.IniLoader;
import dev.sluice.config.SluiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubernetesFilesTest {
    private static final String K8S = "deploy/kubernetes/";

    private static String ini() throws Exception {
        return at(DeployFiles.yaml(K8S + "standalone/configmap.yaml"), "data", "sluice.ini");
    }

    /** An ini setting's value by plain text; shutdown_timeout defaults to 30 s as in the lifecycle issue. */
    private static String iniValue(String ini, String key, String fallback) {
        Matcher m = Pattern.compile("(?m)^\\s*" + key + "\\s*=\\s*(\\S+)").matcher(ini);
        return m.find() ? m.group(1) : fallback;
    }

    private static Map<String, Object> container(Map<String, Object> podSpec, String list, String name) {
        List<Map<String, Object>> containers = at(podSpec, list);
        return containers.stream().filter(c -> name.equals(c.get("name"))).findFirst().orElseThrow();
    }

    private static List<String> portNames(Map<String, Object> container) {
        List<Map<String, Object>> ports = at(container, "ports");
        return ports.stream().map(p -> (String) p.get("name")).toList();
    }

    private static void assertProbes(Map<String, Object> sluice) {
        assertThat((Object) at(sluice, "readinessProbe", "httpGet", "path")).isEqualTo("/ready");
        assertThat((Object) at(sluice, "livenessProbe", "httpGet", "path")).isEqualTo("/health");
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            assertThat(portNames(sluice)).contains((String) at(sluice, probe, "httpGet", "port"));
        }
        assertThat((Map<String, Object>) at(sluice, "resources", "requests")).containsKeys("cpu", "memory");
        assertThat((Object) at(sluice, "resources", "limits", "memory")).isNotNull();
    }

    @Test
    void standaloneProbesPortsAndGracePeriod() throws Exception {
        Map<String, Object> deployment = DeployFiles.yaml(K8S + "standalone/deployment.yaml");
        Map<String, Object> pod = at(deployment, "spec", "template", "spec");
        Map<String, Object> sluice = container(pod, "containers", "sluice");
        assertProbes(sluice);
        String ini = ini();
        int metricsPort = Integer.parseInt(iniValue(ini, "metrics_listen", "").replaceAll(".*:", ""));
        int listenPort = Integer.parseInt(iniValue(ini, "listen_port", "6432"));
        List<Map<String, Object>> ports = at(sluice, "ports");
        assertThat(ports).extracting(p -> p.get("containerPort")).containsExactly(listenPort, metricsPort);
        // Kubernetes sends SIGKILL after the grace period: it must cover the preStop sleep plus Sluice's drain
        List<String> preStop = at(sluice, "lifecycle", "preStop", "exec", "command");
        int sleep = Integer.parseInt(preStop.get(1));
        int shutdown = Integer.parseInt(iniValue(ini, "shutdown_timeout", "30"));
        assertThat((Integer) at(pod, "terminationGracePeriodSeconds")).isGreaterThan(sleep + shutdown);
        assertThat((Object) at(pod, "securityContext", "runAsNonRoot")).isEqualTo(true);
        assertThat((List<Object>) at(sluice, "args")).containsExactly("--config", "/etc/sluice/config/sluice.ini");
    }

    @Test
    void standaloneSelectorsMatch() throws Exception {
        Map<String, Object> podLabels = at(DeployFiles.yaml(K8S + "standalone/deployment.yaml"),
                "spec", "template", "metadata", "labels");
        Map<String, Object> service = DeployFiles.yaml(K8S + "standalone/service.yaml");
        Map<String, Object> pdb = DeployFiles.yaml(K8S + "standalone/pdb.yaml");
        assertThat(podLabels).containsAllEntriesOf(at(service, "spec", "selector"));
        assertThat(podLabels).containsAllEntriesOf(at(pdb, "spec", "selector", "matchLabels"));
        // the ServiceMonitor finds the Service by its labels and scrapes a port the Service has
        Map<String, Object> monitor = DeployFiles.yaml(K8S + "monitoring/servicemonitor.yaml");
        assertThat((Map<String, Object>) at(service, "metadata", "labels"))
                .containsAllEntriesOf(at(monitor, "spec", "selector", "matchLabels"));
        List<Map<String, Object>> servicePorts = at(service, "spec", "ports");
        assertThat(servicePorts).extracting(p -> p.get("name")).contains((Object) at(monitor, "spec", "endpoints", 0, "port"));
        // the job label is the Service name, which the SluiceDown alert matches
        assertThat((Object) at(service, "metadata", "name")).isEqualTo("sluice");
        assertThat(DeployFiles.read("deploy/prometheus/sluice-alerts.yml")).contains("up{job=\"sluice\"}");
    }

    @Test
    void sidecarListensOnLoopbackAndTheAppUsesIt() throws Exception {
        Map<String, Object> deployment = DeployFiles.yamlDocuments(DeployFiles.path(K8S + "sidecar/deployment.yaml"))
                .stream().map(d -> (Map<String, Object>) d).filter(d -> "Deployment".equals(d.get("kind")))
                .findFirst().orElseThrow();
        Map<String, Object> pod = at(deployment, "spec", "template", "spec");
        Map<String, Object> sluice = container(pod, "initContainers", "sluice");
        assertThat((Object) at(sluice, "restartPolicy")).isEqualTo("Always");
        assertProbes(sluice);
        Map<String, String> env = env(sluice);
        assertThat((Object) at(sluice, "securityContext", "runAsNonRoot")).isEqualTo(true);
        assertThat(env).containsEntry("SLUICE_LISTEN_ADDR", "127.0.0.1").containsEntry("SLUICE_METRICS_LISTEN", "0.0.0.0:9127");
        assertThat(env.get("DATABASE_URL")).startsWith("postgres://app:$(DB_PASSWORD)@");
        Map<String, String> app = env(container(pod, "containers", "app"));
        assertThat(app.get("DATABASE_URL")).isEqualTo("postgres://app:$(DB_PASSWORD)@127.0.0.1:6432/shop");
        assertThat((Integer) at(pod, "terminationGracePeriodSeconds"))
                .isGreaterThan(Integer.parseInt(env.get("SLUICE_SHUTDOWN_TIMEOUT")));
        // the PodMonitor selects these pods and scrapes their sluice container's port
        Map<String, Object> monitor = DeployFiles.yaml(K8S + "monitoring/podmonitor.yaml");
        assertThat((Map<String, Object>) at(deployment, "spec", "template", "metadata", "labels"))
                .containsAllEntriesOf(at(monitor, "spec", "selector", "matchLabels"));
        assertThat(portNames(sluice)).contains((String) at(monitor, "spec", "podMetricsEndpoints", 0, "port"));
    }

    private static Map<String, String> env(Map<String, Object> container) {
        List<Map<String, Object>> env = at(container, "env");
        Map<String, String> out = new java.util.LinkedHashMap<>();
        env.stream().filter(e -> e.get("value") != null).forEach(e -> out.put((String) e.get("name"), e.get("value").toString()));
        return out;
    }

    /** The ConfigMap's sluice.ini and the Secret's userlist load as Sluice would load them in the pod. */
    @Test
    void configMapAndSecretLoad(@TempDir Path dir) throws Exception {
        String userlist = at(DeployFiles.yaml(K8S + "standalone/secret.yaml"), "stringData", "userlist.txt");
        Path users = Files.writeString(dir.resolve("userlist.txt"), userlist);
        String ini = ini();
        assertThat(iniValue(ini, "auth_file", "")).isEqualTo("/etc/sluice/secret/userlist.txt");
        Path file = Files.writeString(dir.resolve("sluice.ini"),
                ini.replace("/etc/sluice/secret/userlist.txt", users.toString()));
        SluiceConfig cfg = IniLoader.load(file);
        assertThat(cfg.databases()).containsKey("shop");
        assertThat(cfg.userlist().users()).containsExactlyInAnyOrder("app", "admin", "prometheus");
        assertThat(cfg.adminUsers()).containsExactly("admin");
        assertThat(cfg.listenAddr()).isEqualTo("0.0.0.0");
    }

    /** Each kustomization lists files that exist; kubectl renders them where it is installed. */
    @Test
    void kustomizationsRender() throws Exception {
        for (String dir : List.of("standalone", "sidecar", "monitoring")) {
            List<String> resources = at(DeployFiles.yaml(K8S + dir + "/kustomization.yaml"), "resources");
            for (String r : resources) {
                assertThat(DeployFiles.path(K8S + dir).resolve(r)).exists();
            }
        }
        Path kubectl = DeployFiles.requireTool("kubectl", "Kubernetes client, kubectl kustomize renders offline");
        for (String dir : List.of("standalone", "sidecar", "monitoring")) {
            assertThat(DeployFiles.runOk(DeployFiles.root(), kubectl.toString(), "kustomize", K8S + dir))
                    .contains("kind:");
        }
    }
}
