// A strict parser of the Prometheus text exposition format (0.0.4), for tests that scrape /metrics.
package dev.sluice.proxy.testkit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Rejects what Prometheus would: bad names, bad label syntax or escapes, unparsable values, a sample before
 * its family's TYPE, a TYPE declared twice, duplicate series, histogram buckets that are not cumulative or
 * whose +Inf bucket differs from _count.
 */
public final class PromText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped", "info",
            "stateset", "gaugehistogram", "unknown");

    /** One sample: metric name, labels (sorted), value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final Map<String, String> types = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();

    private PromText() {
    }

    /** @throws IllegalArgumentException naming the line for anything malformed */
    public static PromText parse(String text) {
        PromText p = new PromText();
        Set<String> seenSeries = new HashSet<>();
        Set<String> helped = new HashSet<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            if (line.isEmpty()) {
                if (n != lines.length - 1) {
                    throw error(n, line, "empty line");
                }
                continue;
            }
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && parts[1].equals("TYPE")) {
                    if (parts.length != 4 || !TYPES.contains(parts[3])) {
                        throw error(n, line, "bad TYPE");
                    }
                    requireName(n, line, parts[2]);
                    if (p.types.put(parts[2], parts[3]) != null) {
                        throw error(n, line, "TYPE declared twice");
                    }
                } else if (parts.length >= 3 && parts[1].equals("HELP")) {
                    requireName(n, line, parts[2]);
                    if (!helped.add(parts[2])) {
                        throw error(n, line, "HELP declared twice");
                    }
                }
                continue;
            }
            Sample s = parseSample(n, line);
            if (p.family(s.name()) == null) {
                throw error(n, line, "sample without a TYPE for its family");
            }
            if (!seenSeries.add(s.name() + s.labels())) {
                throw error(n, line, "duplicate series");
            }
            p.samples.add(s);
        }
        p.checkHistograms();
        return p;
    }

    private static Sample parseSample(int n, String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        requireName(n, line, name);
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                if (eq < 0) {
                    throw error(n, line, "label without '='");
                }
                String label = line.substring(i, eq);
                if (!LABEL.matcher(label).matches()) {
                    throw error(n, line, "bad label name " + label);
                }
                if (line.charAt(eq + 1) != '"') {
                    throw error(n, line, "label value not quoted");
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; ; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char e = line.charAt(++j);
                        switch (e) {
                            case 'n' -> value.append('\n');
                            case '\\' -> value.append('\\');
                            case '"' -> value.append('"');
                            default -> throw error(n, line, "bad escape \\" + e);
                        }
                    } else if (c == '"') {
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(label, value.toString()) != null) {
                    throw error(n, line, "label " + label + " twice");
                }
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                } else if (line.charAt(i) != '}') {
                    throw error(n, line, "expected ',' or '}'");
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw error(n, line, "expected a space before the value");
        }
        String[] rest = line.substring(i + 1).split(" ");
        if (rest.length > 2) {
            throw error(n, line, "trailing text");
        }
        double v;
        switch (rest[0]) {
            case "+Inf" -> v = Double.POSITIVE_INFINITY;
            case "-Inf" -> v = Double.NEGATIVE_INFINITY;
            case "NaN" -> v = Double.NaN;
            default -> {
                try {
                    v = Double.parseDouble(rest[0]);
                } catch (NumberFormatException e) {
                    throw error(n, line, "bad value " + rest[0]);
                }
            }
        }
        if (rest.length == 2) {
            try {
                Long.parseLong(rest[1]);
            } catch (NumberFormatException e) {
                throw error(n, line, "bad timestamp");
            }
        }
        return new Sample(name, labels, v);
    }

    private static void requireName(int n, String line, String name) {
        if (!NAME.matcher(name).matches()) {
            throw error(n, line, "bad metric name " + name);
        }
    }

    private static IllegalArgumentException error(int n, String line, String what) {
        return new IllegalArgumentException("line " + (n + 1) + ": " + what + ": " + line);
    }

    /** The family a sample name belongs to (its own name, or without _total/_bucket/_sum/_count/_created). */
    public String family(String sampleName) {
        if (types.containsKey(sampleName)) {
            return sampleName;
        }
        for (String suffix : List.of("_total", "_bucket", "_sum", "_count", "_created", "_info")) {
            if (sampleName.endsWith(suffix)) {
                String base = sampleName.substring(0, sampleName.length() - suffix.length());
                if (types.containsKey(base)) {
                    return base;
                }
            }
        }
        return null;
    }

    private void checkHistograms() {
        Map<String, List<Sample>> buckets = new HashMap<>();
        Map<String, Double> counts = new HashMap<>();
        for (Sample s : samples) {
            String fam = family(s.name());
            if (!"histogram".equals(types.get(fam))) {
                continue;
            }
            Map<String, String> rest = new TreeMap<>(s.labels());
            rest.remove("le");
            String key = fam + rest;
            if (s.name().endsWith("_bucket")) {
                if (!s.labels().containsKey("le")) {
                    throw new IllegalArgumentException("bucket without le: " + s);
                }
                buckets.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            } else if (s.name().endsWith("_count")) {
                counts.put(key, s.value());
            }
        }
        buckets.forEach((key, list) -> {
            double prevLe = Double.NEGATIVE_INFINITY;
            double prev = 0;
            for (Sample b : list) {
                String leText = b.labels().get("le");
                double le = leText.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(leText);
                if (le <= prevLe || b.value() < prev) {
                    throw new IllegalArgumentException("histogram " + key + " buckets not cumulative/ordered at " + b);
                }
                prevLe = le;
                prev = b.value();
            }
            if (prevLe != Double.POSITIVE_INFINITY || !counts.containsKey(key) || counts.get(key) != prev) {
                throw new IllegalArgumentException("histogram " + key + ": +Inf bucket must equal _count");
            }
        });
    }

    /** Family name -> type. */
    public Map<String, String> types() {
        return types;
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The value of the series with exactly these labels (alternating names and values), or null. */
    public Double value(String name, String... labels) {
        Map<String, String> want = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            want.put(labels[i], labels[i + 1]);
        }
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().equals(want)) {
                return s.value();
            }
        }
        return null;
    }

    /** Sum over all series of {@code name} whose labels include these. */
    public double sum(String name, String... labels) {
        double total = 0;
        outer:
        for (Sample s : samples) {
            if (!s.name().equals(name)) {
                continue;
            }
            for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                    continue outer;
                }
            }
            total += s.value();
        }
        return total;
    }
}
