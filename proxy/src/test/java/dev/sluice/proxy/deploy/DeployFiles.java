// Finds and reads the repository's deploy/ files for the deploy checks, and runs the external tools that check them.
package dev.sluice.proxy.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** Paths are relative to the repository root, found by walking up from the working directory. */
final class DeployFiles {
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private DeployFiles() {
    }

    /** The repository root: the nearest directory above the working directory holding Makefile and deploy/. */
    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("Makefile")) && Files.isDirectory(d.resolve("deploy"))) {
                return d;
            }
        }
        throw new IllegalStateException("no Makefile and deploy/ above " + dir);
    }

    static Path path(String relative) {
        return root().resolve(relative);
    }

    static String read(String relative) throws IOException {
        return Files.readString(path(relative), StandardCharsets.UTF_8);
    }

    /** Every file under deploy/ whose name ends with one of {@code suffixes}, sorted. */
    static List<Path> files(String... suffixes) throws IOException {
        try (Stream<Path> s = Files.walk(path("deploy"))) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> Stream.of(suffixes).anyMatch(x -> p.getFileName().toString().endsWith(x)))
                    .sorted().toList();
        }
    }

    /** All YAML documents of a file; duplicate keys are an error, as they are for Kubernetes and Prometheus. */
    static List<Object> yamlDocuments(Path file) throws IOException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        List<Object> docs = new ArrayList<>();
        for (Object doc : new Yaml(options).loadAll(Files.readString(file, StandardCharsets.UTF_8))) {
            if (doc != null) {
                docs.add(doc);
            }
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(String relative) throws IOException {
        List<Object> docs = yamlDocuments(path(relative));
        assertThat(docs).as(relative).hasSize(1);
        return (Map<String, Object>) docs.get(0);
    }

    static JsonNode json(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    /** Walks a YAML tree by map keys and list indexes, e.g. at(doc, "spec", "template", "spec"). */
    @SuppressWarnings("unchecked")
    static <T> T at(Object node, Object... keys) {
        Object n = node;
        for (Object k : keys) {
            if (n instanceof Map<?, ?> m) {
                n = m.get(k);
            } else if (n instanceof List<?> l && k instanceof Integer i) {
                n = l.get(i);
            } else {
                throw new AssertionError("no " + k + " in " + n);
            }
            if (n == null) {
                throw new AssertionError("missing key " + k);
            }
        }
        return (T) n;
    }

    /** The executable on PATH, or null. */
    static Path tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Skips the calling test, saying which tool is missing and where it comes from. */
    static Path requireTool(String name, String whereFrom) {
        Path p = tool(name);
        Assumptions.assumeTrue(p != null, () -> name + " is not installed (" + whereFrom + "); check skipped");
        return p;
    }

    /** What a finished command printed (stdout and stderr together) and its exit code. */
    record Result(int exit, String output) {
    }

    static Result run(Path workDir, List<String> command) throws IOException, InterruptedException {
        // output to a file, so a command that hangs cannot block the read and the timeout below applies
        Path out = Files.createTempFile("sluice-deploy-check", ".out");
        try {
            Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(command + " did not finish in 120 s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Runs {@code command} in {@code workDir} and fails with its output unless it exits 0. */
    static String runOk(Path workDir, String... command) throws IOException, InterruptedException {
        Result r = run(workDir, List.of(command));
        assertThat(r.exit()).as("%s exited %d:%n%s", String.join(" ", command), r.exit(), r.output()).isZero();
        return r.output();
    }
}
