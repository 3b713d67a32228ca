// deploy/grafana: the dashboards are strict JSON Grafana can load, their queries use defined variables and
// documented metrics, and they show what the issue asks for.
package dev.sluice.proxy.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

class DashboardTest {
    private static final Path NATIVE = DeployFiles.path("deploy/grafana/dashboards/sluice.json");
    private static final Path COMPAT = DeployFiles.path("deploy/grafana/dashboards/sluice-pgbouncer-compat.json");

    /** Every JSON file under deploy/ parses strictly (no duplicate keys, no trailing commas). */
    @Test
    void everyJsonFileParses() throws Exception {
        List<Path> files = DeployFiles.files(".json");
        assertThat(files).contains(NATIVE, COMPAT);
        for (Path f : files) {
            assertThat(DeployFiles.json(f).isObject()).as(f.toString()).isTrue();
        }
    }

    /** And every YAML file, all documents, with duplicate keys refused. */
    @Test
    void everyYamlFileParses() throws Exception {
        List<Path> files = DeployFiles.files(".yml", ".yaml");
        assertThat(files).hasSizeGreaterThan(10);
        for (Path f : files) {
            assertThat(DeployFiles.yamlDocuments(f)).as(f.toString()).isNotEmpty();
        }
    }

    @Test
    void panelsAreWellFormed() throws Exception {
        Set<String> uids = new HashSet<>();
        for (Path f : List.of(NATIVE, COMPAT)) {
            JsonNode d = DeployFiles.json(f);
            assertThat(uids.add(d.path("uid").asText())).as("unique uid in %s", f).isTrue();
            Set<Integer> ids = new HashSet<>();
            Set<String> vars = new TreeSet<>();
            d.path("templating").path("list").forEach(v -> vars.add(v.path("name").asText()));
            for (JsonNode p : d.path("panels")) {
                assertThat(ids.add(p.path("id").asInt())).as("unique panel id %s in %s", p.path("id"), f).isTrue();
                JsonNode g = p.path("gridPos");
                assertThat(g.path("x").asInt() + g.path("w").asInt()).as(p.path("title").asText()).isLessThanOrEqualTo(24);
                if (p.path("type").asText().equals("row")) {
                    continue;
                }
                assertThat(p.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
                assertThat(p.path("targets").size()).as(p.path("title").asText()).isPositive();
                for (JsonNode t : p.path("targets")) {
                    String expr = t.path("expr").asText();
                    assertThat(MetricNames.in(expr)).as("%s: %s", p.path("title").asText(), expr).isNotEmpty();
                    Matcher m = Pattern.compile("\\$(\\w+)").matcher(expr);
                    while (m.find()) {
                        // $__rate_interval and $__range are Grafana's own
                        assertThat(m.group(1).startsWith("__") || vars.contains(m.group(1)))
                                .as("variable $%s in %s is defined", m.group(1), f.getFileName()).isTrue();
                    }
                }
            }
        }
    }

    @Test
    void nativeDashboardShowsWhatTheIssueAsksFor() throws Exception {
        JsonNode d = DeployFiles.json(NATIVE);
        String all = d.toString();
        assertThat(all).contains("sluice_pool_utilization_ratio", "state=\\\"waiting\\\"",
                "histogram_quantile(0.99, sum by (le) (rate(sluice_wait_seconds_bucket", "sluice_transactions_total",
                "sum by (sqlstate_class) (rate(sluice_client_errors_total",
                "sum by (application_name) (increase(sluice_idle_transaction_kills_total");
        boolean heatmap = false;
        for (JsonNode p : d.path("panels")) {
            if (p.path("type").asText().equals("heatmap")) {
                heatmap |= p.path("targets").get(0).path("expr").asText().contains("sluice_wait_seconds_bucket")
                        && p.path("targets").get(0).path("format").asText().equals("heatmap");
            }
        }
        assertThat(heatmap).as("a wait-time heatmap").isTrue();
        assertThat(MetricNames.inDashboard(NATIVE)).allMatch(n -> !n.startsWith("pgbouncer_"));
        assertThat(MetricNames.inDashboard(COMPAT)).allMatch(n -> n.startsWith("pgbouncer_"))
                .contains("pgbouncer_pools_client_active_connections", "pgbouncer_pools_client_waiting_connections",
                        "pgbouncer_up");
    }

    /**
     * Every panel query is valid PromQL: promtool parses them as recording rules, with Grafana's variables
     * replaced by what Grafana would put there.
     */
    @Test
    void everyPanelQueryParsesAsPromql(@TempDir Path dir) throws Exception {
        Path promtool = DeployFiles.requireTool("promtool", "Debian package prometheus; .ci/run unpacks it");
        List<Map<String, String>> rules = new ArrayList<>();
        for (Path f : List.of(NATIVE, COMPAT)) {
            for (JsonNode expr : DeployFiles.json(f).findValues("expr")) {
                String promql = expr.asText().replace("$__rate_interval", "1m").replace("$__range", "1h")
                        .replaceAll("\\$\\w+", ".*");
                rules.add(Map.of("record", "dashboard:query_" + rules.size(), "expr", promql));
            }
        }
        assertThat(rules).hasSizeGreaterThan(40);
        Path file = dir.resolve("dashboard-queries.yml");
        Files.writeString(file, new Yaml().dump(Map.of("groups", List.of(Map.of("name", "dashboards", "rules", rules)))));
        assertThat(DeployFiles.runOk(dir, promtool.toString(), "check", "rules", file.toString()))
                .contains("SUCCESS: " + rules.size() + " rules found");
    }

    /** docs/operations.md documents every metric the rules and dashboards rely on. */
    @Test
    void everyQueriedMetricIsDocumented() throws Exception {
        String ops = DeployFiles.read("docs/operations.md");
        Set<String> names = new TreeSet<>(MetricNames.inAlertRules());
        names.addAll(MetricNames.inDashboards());
        assertThat(names).hasSizeGreaterThan(30)
                .allSatisfy(n -> assertThat(ops).as("docs/operations.md mentions %s", n).contains("`" + MetricNames.family(n)));
    }
}
