// deploy/prometheus and the Operator's copy of the rules: promtool accepts them and the alerts fire as intended.
package dev.sluice.proxy.deploy;

import static dev.sluice.proxy.deploy.DeployFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusFilesTest {
    private static final String PROMTOOL_SOURCE = "Debian package prometheus; .ci/run unpacks it";

    @Test
    void promtoolAcceptsTheAlertRules() throws Exception {
        Path promtool = DeployFiles.requireTool("promtool", PROMTOOL_SOURCE);
        String out = DeployFiles.runOk(DeployFiles.path("deploy/prometheus"), promtool.toString(), "check", "rules",
                "sluice-alerts.yml");
        assertThat(out).contains("SUCCESS");
    }

    @Test
    void promtoolAcceptsTheScrapeConfig() throws Exception {
        Path promtool = DeployFiles.requireTool("promtool", PROMTOOL_SOURCE);
        // also loads the rule_files it names, so a renamed rules file fails here
        String out = DeployFiles.runOk(DeployFiles.path("deploy/prometheus"), promtool.toString(), "check", "config",
                "prometheus.yml");
        assertThat(out).contains("SUCCESS: 1 rule files found");
    }

    /** The unit tests feed series to every alert and expect it to fire (with its text) only when it should. */
    @Test
    void alertsFireOnTheirUnitTestSeries() throws Exception {
        Path promtool = DeployFiles.requireTool("promtool", PROMTOOL_SOURCE);
        String out = DeployFiles.runOk(DeployFiles.path("deploy/prometheus"), promtool.toString(), "test", "rules",
                "tests/sluice-alerts-test.yml");
        assertThat(out).contains("SUCCESS");
    }

    @Test
    void everyAlertHasAUnitTest() throws Exception {
        List<Map<String, Object>> rules = at(DeployFiles.yaml("deploy/prometheus/sluice-alerts.yml"), "groups", 0, "rules");
        String tests = DeployFiles.read("deploy/prometheus/tests/sluice-alerts-test.yml");
        assertThat(rules).isNotEmpty().allSatisfy(rule -> {
            String name = (String) rule.get("alert");
            assertThat(tests).as("a test of alert %s", name).contains("alertname: " + name + "\n");
            assertThat(at(rule, "labels", "severity").toString()).isIn("warning", "critical");
        });
    }

    /** The issue's alert list, by what each expression watches. */
    @Test
    void theAlertsTheIssueAsksForExist() throws Exception {
        String rules = DeployFiles.read("deploy/prometheus/sluice-alerts.yml");
        assertThat(rules)
                .contains("sluice_pool_utilization_ratio > 0.8").contains("for: 5m")
                .contains("sluice_pool_clients{state=\"waiting\"} > 0")
                .contains("histogram_quantile(0.99").contains("sluice_wait_seconds_bucket")
                .contains("sluice_idle_transaction_kills_total")
                .contains("sluice_server_connect_failures_total")
                .contains("sluice_ready == 0");
    }

    /** The PrometheusRule for the Operator carries exactly the groups of sluice-alerts.yml. */
    @Test
    void operatorRuleEqualsThePlainRulesFile() throws Exception {
        Object plain = DeployFiles.yaml("deploy/prometheus/sluice-alerts.yml").get("groups");
        Map<String, Object> rule = DeployFiles.yaml("deploy/kubernetes/monitoring/prometheusrule.yaml");
        assertThat((Object) at(rule, "kind")).isEqualTo("PrometheusRule");
        assertThat((Object) at(rule, "spec", "groups")).isEqualTo(plain);
    }

    /** The compose file mounts the rules where the scrape config looks for them. */
    @Test
    void scrapeConfigScrapesSluiceAndLoadsTheRules() throws Exception {
        Map<String, Object> cfg = DeployFiles.yaml("deploy/prometheus/prometheus.yml");
        assertThat((List<Object>) at(cfg, "rule_files")).containsExactly("sluice-alerts.yml");
        List<Map<String, Object>> jobs = at(cfg, "scrape_configs");
        Map<String, Object> sluice = jobs.stream().filter(j -> "sluice".equals(j.get("job_name"))).findFirst().orElseThrow();
        assertThat((List<Object>) at(sluice, "static_configs", 0, "targets")).containsExactly("sluice:9127");
        String compose = DeployFiles.read("deploy/docker-compose.yml");
        assertThat(compose).contains("./prometheus/sluice-alerts.yml:/etc/prometheus/sluice-alerts.yml:ro")
                .contains("./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
    }
}
