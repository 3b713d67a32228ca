// What `sluice check` found, printed for people (default) or as JSON for machines (--json).
package dev.sluice.proxy.check;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Collected by {@link CheckCommand}; printing is all this class does. */
final class Report {
    private final Path file;
    private final List<String> warnings;
    private final List<String> problems;
    private final int instances;
    final List<CheckCommand.Probe> probes = new ArrayList<>();
    final List<CheckCommand.ServerCapacity> capacity = new ArrayList<>();

    Report(Path file, List<String> warnings, List<String> problems, int instances) {
        this.file = file;
        this.warnings = warnings;
        this.problems = problems;
        this.instances = instances;
    }

    void print(PrintStream out, boolean json) {
        out.print(json ? json() : human());
        out.flush();
    }

    private String human() {
        StringBuilder sb = new StringBuilder();
        sb.append("config ").append(file).append(": ")
                .append(problems.isEmpty() ? "valid" : "INVALID (" + problems.size() + " problems)").append('\n');
        problems.forEach(p -> sb.append("  error: ").append(p).append('\n'));
        warnings.forEach(w -> sb.append("  warning: ").append(w).append('\n'));
        for (CheckCommand.Probe p : probes) {
            sb.append("database ").append(p.database()).append(" -> ").append(p.address()).append('/')
                    .append(p.dbname()).append(p.user() == null ? "" : " as " + p.user()).append(": ");
            if (p.loginOk()) {
                sb.append("reachable, login ok, PostgreSQL ").append(p.serverVersion());
            } else if (p.reachable()) {
                sb.append("reachable, LOGIN FAILED: ").append(p.error());
            } else {
                sb.append("UNREACHABLE: ").append(p.error());
            }
            sb.append('\n');
        }
        for (CheckCommand.ServerCapacity c : capacity) {
            sb.append("capacity ").append(c.address()).append(": ");
            String may = c.mayOpen() < 0 ? "an unbounded number of" : String.valueOf(c.mayOpen());
            sb.append("Sluice may open ").append(may).append(" server connections (").append(c.mayOpenDetail())
                    .append(instances > 1 ? "; x " + instances + " instances" : "").append(")");
            if (c.available() < 0) {
                sb.append("; available: ").append(c.availableDetail());
            } else {
                sb.append("; available ").append(c.available()).append(" (").append(c.availableDetail()).append(')');
                sb.append(c.exceeded() ? "\n  WARNING: can exceed the server's free connections: clients would get"
                        + " \"too many clients already\"; lower pool sizes or set max_db_connections" : ": ok");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private String json() {
        StringBuilder sb = new StringBuilder("{");
        field(sb, "config", file.toString()).append(',');
        sb.append("\"valid\":").append(problems.isEmpty()).append(',');
        sb.append("\"instances\":").append(instances).append(',');
        strings(sb, "problems", problems).append(',');
        strings(sb, "warnings", warnings).append(',');
        sb.append("\"databases\":[");
        for (int i = 0; i < probes.size(); i++) {
            CheckCommand.Probe p = probes.get(i);
            sb.append(i == 0 ? "{" : ",{");
            field(sb, "name", p.database()).append(',');
            field(sb, "address", p.address()).append(',');
            field(sb, "dbname", p.dbname()).append(',');
            field(sb, "user", p.user()).append(',');
            sb.append("\"reachable\":").append(p.reachable()).append(",\"login_ok\":").append(p.loginOk()).append(',');
            field(sb, "error", p.error()).append(',');
            field(sb, "server_version", p.serverVersion()).append('}');
        }
        sb.append("],\"capacity\":[");
        for (int i = 0; i < capacity.size(); i++) {
            CheckCommand.ServerCapacity c = capacity.get(i);
            sb.append(i == 0 ? "{" : ",{");
            field(sb, "address", c.address()).append(',');
            sb.append("\"may_open\":").append(c.mayOpen() < 0 ? "null" : String.valueOf(c.mayOpen())).append(',');
            field(sb, "may_open_detail", c.mayOpenDetail()).append(',');
            sb.append("\"available\":").append(c.available() < 0 ? "null" : String.valueOf(c.available())).append(',');
            field(sb, "available_detail", c.availableDetail()).append(',');
            sb.append("\"exceeded\":").append(c.exceeded()).append('}');
        }
        return sb.append("]}\n").toString();
    }

    private static StringBuilder strings(StringBuilder sb, String name, List<String> values) {
        sb.append('"').append(name).append("\":[");
        for (int i = 0; i < values.size(); i++) {
            sb.append(i == 0 ? "" : ",");
            quote(sb, values.get(i));
        }
        return sb.append(']');
    }

    private static StringBuilder field(StringBuilder sb, String name, String value) {
        sb.append('"').append(name).append("\":");
        if (value == null) {
            return sb.append("null");
        }
        return quote(sb, value);
    }

    private static StringBuilder quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }
}
