// The metric names that deploy/'s alert rules and Grafana dashboards query, pulled out of their PromQL.
package dev.sluice.proxy.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class MetricNames {
    /**
     * Sluice's own families, the pgbouncer_exporter-compatible set and Micrometer's JVM/process binders.
     * Label names and PromQL functions never start with these, so a plain identifier scan is exact enough.
     */
    static final Pattern NAME = Pattern.compile("\\b((?:sluice|pgbouncer|jvm|process)_[a-zA-Z0-9_]+)\\b");
    private static final List<String> HISTOGRAM_SUFFIXES = List.of("_bucket", "_count", "_sum");

    private MetricNames() {
    }

    /** Names in one PromQL expression (or label_values() query), as written (histograms keep _bucket). */
    static Set<String> in(String promql) {
        Set<String> names = new TreeSet<>();
        Matcher m = NAME.matcher(promql);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** Every expression of the alert rules file. */
    public static Set<String> inAlertRules() throws IOException {
        Set<String> names = new TreeSet<>();
        List<Map<String, Object>> groups = DeployFiles.at(DeployFiles.yaml("deploy/prometheus/sluice-alerts.yml"), "groups");
        for (Map<String, Object> g : groups) {
            List<Map<String, Object>> rules = DeployFiles.at(g, "rules");
            rules.forEach(r -> names.addAll(in((String) r.get("expr"))));
        }
        return names;
    }

    /** Every panel target's expr and every query variable of a dashboard. */
    static Set<String> inDashboard(Path file) throws IOException {
        Set<String> names = new TreeSet<>();
        for (JsonNode expr : DeployFiles.json(file).findValues("expr")) {
            names.addAll(in(expr.asText()));
        }
        for (JsonNode v : DeployFiles.json(file).path("templating").path("list")) {
            names.addAll(in(v.path("definition").asText()));
        }
        return names;
    }

    public static Set<String> inDashboards() throws IOException {
        Set<String> names = new TreeSet<>();
        for (Path p : DeployFiles.files(".json")) {
            names.addAll(inDashboard(p));
        }
        return names;
    }

    /** The family a sample name belongs to: sluice_wait_seconds_bucket -> sluice_wait_seconds. */
    public static String family(String name) {
        for (String s : HISTOGRAM_SUFFIXES) {
            if (name.endsWith(s)) {
                return name.substring(0, name.length() - s.length());
            }
        }
        return name;
    }
}
