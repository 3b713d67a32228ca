// The Dockerfile builds and runs Sluice the way the Makefile does; the compose file is complete and consistent.
package dev.sluice.proxy.deploy;

import static dev.sluice.proxy.deploy.DeployFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ContainerFilesTest {

    /** Makefile variables with their defaults (NAME ?= value / NAME := value). */
    private static String makeVar(String makefile, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\s*[?:]?=\\s*(.*)$").matcher(makefile);
        assertThat(m.find()).as("Makefile variable %s", name).isTrue();
        return m.group(1).strip();
    }

    /** The recipe lines of a Makefile target, with $(VARS) expanded from their defaults. */
    private static List<String> recipe(String makefile, String target) {
        List<String> lines = new ArrayList<>();
        boolean in = false;
        for (String line : makefile.split("\n")) {
            if (line.startsWith(target + ":")) {
                in = true;
            } else if (in && line.startsWith("\t")) {
                lines.add(expand(makefile, line.strip()));
            } else if (in) {
                break;
            }
        }
        assertThat(lines).as("recipe of %s", target).isNotEmpty();
        return lines;
    }

    private static String expand(String makefile, String text) {
        Matcher m = Pattern.compile("\\$\\((\\w+)\\)").matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(expand(makefile, makeVar(makefile, m.group(1)))));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Dockerfile instructions (continuation lines joined, comments dropped), e.g. "RUN mvn ...". */
    private static List<String> instructions(String dockerfile) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : dockerfile.split("\n")) {
            if (line.strip().startsWith("#") || line.isBlank()) {
                continue;
            }
            current.append(line.strip());
            if (line.endsWith("\\")) {
                current.setLength(current.length() - 1);
            } else {
                out.add(current.toString().replaceAll("\\s+", " "));
                current.setLength(0);
            }
        }
        return out;
    }

    @Test
    void imageBuildsTheJarWithTheMakefilesBuildCommand() throws Exception {
        String makefile = DeployFiles.read("Makefile");
        String build = recipe(makefile, "$(JAR)").get(0);
        assertThat(build).isEqualTo("mvn -B -q -DskipTests package");
        List<String> runs = instructions(DeployFiles.read("deploy/Dockerfile")).stream()
                .filter(i -> i.startsWith("RUN ")).map(i -> i.replaceAll("--mount=\\S+ ", "").substring(4)).toList();
        assertThat(runs).contains(build);
    }

    @Test
    void imageRunsTheStartScriptThatMakeRunUses() throws Exception {
        String makefile = DeployFiles.read("Makefile");
        String jar = makeVar(makefile, "JAR");
        assertThat(recipe(makefile, "run")).singleElement().asString()
                .contains("SLUICE_JAR=" + jar).endsWith("deploy/bin/sluice");
        List<String> ins = instructions(DeployFiles.read("deploy/Dockerfile"));
        assertThat(ins).contains("COPY --chmod=755 deploy/bin/sluice deploy/bin/sluice-healthcheck /opt/sluice/bin/")
                // the start script's default jar is ../lib/sluice.jar beside bin/
                .contains("COPY --from=build /src/" + jar + " /opt/sluice/lib/sluice.jar")
                .contains("ENTRYPOINT [\"/opt/sluice/bin/sluice\"]")
                .contains("EXPOSE 6432 9127")
                .contains("STOPSIGNAL SIGTERM");
        assertThat(DeployFiles.read("deploy/bin/sluice")).contains("jar=${SLUICE_JAR:-$here/../lib/sluice.jar}")
                .contains("exec \"${JAVA:-java}\"");
        assertThat(makefile).contains("docker build -f deploy/Dockerfile");
    }

    @Test
    void imageRunsAsNonRootWithAHealthCheckOnHealth() throws Exception {
        List<String> ins = instructions(DeployFiles.read("deploy/Dockerfile"));
        String user = ins.stream().filter(i -> i.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
        assertThat(user.substring(5).split(":")[0]).isNotIn("0", "root");
        assertThat(ins).anyMatch(i -> i.startsWith("HEALTHCHECK ") && i.endsWith("[\"/opt/sluice/bin/sluice-healthcheck\"]"));
        assertThat(DeployFiles.read("deploy/bin/sluice-healthcheck")).contains("GET /health HTTP/1.0");
        // two stages: the runtime image is a JRE, not the Maven/JDK build image
        assertThat(ins.stream().filter(i -> i.startsWith("FROM ")).toList())
                .containsExactly("FROM maven:3.9-eclipse-temurin-17 AS build", "FROM eclipse-temurin:17-jre");
        // every file the image copies from the context exists (and is not excluded by .dockerignore's target rule)
        for (String i : ins) {
            if (i.startsWith("COPY ") && !i.contains("--from=")) {
                String[] parts = i.replaceAll("--chmod=\\S+ ", "").split(" ");
                for (int k = 1; k < parts.length - 1; k++) {
                    assertThat(DeployFiles.path(parts[k])).as(i).exists();
                }
            }
        }
    }

    @Test
    void composeHasTheStackAndALoadProfile() throws Exception {
        Map<String, Object> compose = DeployFiles.yaml("deploy/docker-compose.yml");
        Map<String, Object> services = at(compose, "services");
        assertThat(services).containsKeys("postgres", "sluice", "prometheus", "grafana", "pgbench");
        assertThat((List<Object>) at(services, "pgbench", "profiles")).containsExactly("load");
        assertThat((Object) at(services, "sluice", "build", "dockerfile")).isEqualTo("deploy/Dockerfile");
        assertThat(DeployFiles.path("deploy").resolve((String) at(services, "sluice", "build", "context"))
                .resolve("deploy/Dockerfile")).exists();
        assertThat(at(services, "sluice", "environment").toString()).contains("DATABASE_URL");
        assertThat((List<Object>) at(services, "sluice", "ports")).contains("127.0.0.1:6432:6432", "127.0.0.1:9127:9127");
        // every bind-mounted file or directory is in the repository
        for (Object service : services.values()) {
            Object volumes = ((Map<?, ?>) service).get("volumes");
            if (volumes instanceof List<?> list) {
                for (Object v : list) {
                    String source = v.toString().split(":")[0];
                    if (source.startsWith(".")) {
                        assertThat(DeployFiles.path("deploy").resolve(source).normalize()).as(v.toString()).exists();
                    }
                }
            }
        }
    }

    /** docker stop's SIGKILL must come after Sluice's own drain deadline. */
    @Test
    void composeGracePeriodOutlastsShutdownTimeout() throws Exception {
        Map<String, Object> sluice = at(DeployFiles.yaml("deploy/docker-compose.yml"), "services", "sluice");
        int shutdown = Integer.parseInt(at(sluice, "environment", "SLUICE_SHUTDOWN_TIMEOUT").toString());
        String grace = at(sluice, "stop_grace_period").toString();
        assertThat(grace).endsWith("s");
        assertThat(Integer.parseInt(grace.substring(0, grace.length() - 1))).isGreaterThan(shutdown);
    }

    /**
     * `docker compose config` validates the file against the Compose schema (unknown keys, wrong types); it needs
     * only the client. Without the compose plugin, Debian's docker-compose (1.29, same schema check) is used.
     */
    @Test
    void composeValidatesTheFile() throws Exception {
        List<String> compose = null;
        Path docker = DeployFiles.tool("docker");
        if (docker != null && DeployFiles.run(DeployFiles.root(), List.of(docker.toString(), "compose", "version")).exit() == 0) {
            compose = List.of(docker.toString(), "compose");
        } else if (DeployFiles.tool("docker-compose") != null) {
            compose = List.of(DeployFiles.tool("docker-compose").toString());
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(compose != null,
                "neither the docker compose plugin nor docker-compose (Debian package docker-compose) is installed;"
                        + " check skipped");
        List<String> cmd = new ArrayList<>(compose);
        cmd.addAll(List.of("-f", "deploy/docker-compose.yml", "--profile", "load", "config", "--quiet"));
        DeployFiles.runOk(DeployFiles.root(), cmd.toArray(String[]::new));
    }

    @Test
    void dockerignoreKeepsBuildOutputOutOfTheContext() throws Exception {
        Path ignore = DeployFiles.path(".dockerignore");
        assertThat(Files.readAllLines(ignore)).contains("**/target", ".git");
    }
}
