package io.timemesh.deploy;

import io.timemesh.core.message.SourceState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code timemesh sources | tracking | selection}: a running node's view, in the spirit of chronyc. */
final class OperatorViews {
    private OperatorViews() {}

    /** What every view takes: which node, and JSON instead of a table. */
    static class Target {
        @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8123",
                description = "The node's HTTP API (default: ${DEFAULT-VALUE}).")
        String url;

        @Option(names = "--json", description = "Print the API's JSON instead of a table.")
        boolean json;
    }

    /** Shared run logic: fetch, print, and turn an unreachable node into exit status 1 with the reason. */
    abstract static class View implements Callable<Integer> {
        @CommandLine.Mixin
        Target target;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            NodeApi api;
            try {
                api = new NodeApi(target.url);
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("timemesh " + spec.name() + ": " + e.getMessage());
                return 2;
            }
            try {
                out.print(render(api, target.json));
                out.flush();
                return 0;
            } catch (IOException e) {
                spec.commandLine().getErr().println("timemesh " + spec.name() + ": " + e.getMessage());
                return 1;
            }
        }

        abstract String render(NodeApi api, boolean json) throws IOException, InterruptedException;
    }

    @Command(name = "sources", mixinStandardHelpOptions = true,
            description = "The sources as the selector sees them, like chronyc sources.")
    static final class Sources extends View {
        @Option(names = "-v", description = "Explain the columns.")
        boolean verbose;

        @Override
        String render(NodeApi api, boolean json) throws IOException, InterruptedException {
            JsonArray sources = api.array("sources");
            if (json) {
                return sources.encodePrettily() + System.lineSeparator();
            }
            String peer = api.object("status?decisions=0").getString("systemPeer");
            StringBuilder out = new StringBuilder();
            if (verbose) {
                out.append(String.join(System.lineSeparator(),
                        "  .-- State: * system peer, + combined, - candidate (no majority), x falseticker,",
                        "  |          ? unreachable, ! stopped by kiss code, ~ too distant, = alias of another source's server,",
                        "  |          % smears a leap second the majority steps (or the reverse), (blank) pending.",
                        "  |                                 .- Poll interval (s).   .- Sample age (s).",
                        "  |                                 |     .- Reach (octal)  |    .- Offset from the selector's clock,",
                        "  |                                 |     |                 |    |  ± its root distance.",
                        "  |   AUTH: NTS:n authenticated by NTS (RFC 8915) holding n cookies, - unauthenticated.",
                        ""));
            }
            out.append(String.format(Locale.ROOT, "%s %-24s %2s %5s %5s %7s %15s %11s %4s %5s  %s%n", "S", "SOURCE", "ST",
                    "POLL", "REACH", "AGE(s)", "OFFSET(s)", "+/-(s)", "OUT", "AUTH", "REASON"));
            for (Object o : sources) {
                JsonObject s = (JsonObject) o;
                String address = s.getString("address");
                String symbol = address.equals(peer) ? "*" : symbol(s.getString("state"));
                out.append(String.format(Locale.ROOT, "%s %-24s %2s %5s %5s %7s %15s %11s %4d %5s  %s%n", symbol, address,
                        s.getValue("stratum") == null ? "-" : s.getInteger("stratum"), s.getInteger("pollSeconds"),
                        Integer.toOctalString(s.getInteger("reach")),
                        s.getDouble("lastSampleAgeSeconds") == null ? "-"
                                : String.format(Locale.ROOT, "%.1f", s.getDouble("lastSampleAgeSeconds")),
                        nanos(s.getLong("offsetNs"), "%+.9f"), nanos(s.getLong("rootDistanceNs"), "%.6f"),
                        s.getLong("outliers"), "NTS".equals(s.getString("auth")) ? "NTS:" + s.getInteger("ntsCookies") : "-",
                        s.getString("reason")));
            }
            return out.toString();
        }
    }

    @Command(name = "tracking", mixinStandardHelpOptions = true,
            description = "How this node's clock follows the reference, like chronyc tracking.")
    static final class Tracking extends View {
        @Override
        String render(NodeApi api, boolean json) throws IOException, InterruptedException {
            JsonObject s = api.object("status?decisions=0");
            if (json) {
                return s.encodePrettily() + System.lineSeparator();
            }
            StringBuilder out = new StringBuilder();
            line(out, "Status", s.getString("status"));
            line(out, "System peer", s.getString("systemPeer"));
            line(out, "Stratum", String.valueOf(s.getInteger("stratum")));
            line(out, "Selector", s.getString("referenceSelector"));
            line(out, "Leap status", s.getString("leap"));
            if (s.getValue("errorBoundSeconds") != null) {
                line(out, "Error bound", String.format(Locale.ROOT, "%.9f seconds", s.getDouble("errorBoundSeconds")));
                line(out, "Bound growth", String.format(Locale.ROOT, "%.3f ppm", s.getDouble("boundGrowthPpm")));
                line(out, "Last offset", String.format(Locale.ROOT, "%+.9f seconds (%s)", s.getDouble("lastOffsetSeconds"),
                        s.getBoolean("lastStep") ? "stepped" : "slewed"));
                line(out, "Residual", String.format(Locale.ROOT, "%+.9f seconds at %.3f ppm", s.getDouble("residualSeconds"),
                        s.getDouble("slewRatePpm")));
                line(out, "Frequency", String.format(Locale.ROOT, "%+.3f ppm", s.getDouble("frequencyPpm")));
                line(out, "Skew", String.format(Locale.ROOT, "%.3f ppm", s.getDouble("skewPpm")));
                line(out, "Root delay", String.format(Locale.ROOT, "%.9f seconds", s.getDouble("rootDelaySeconds")));
                line(out, "Root dispersion", String.format(Locale.ROOT, "%.9f seconds", s.getDouble("rootDispersionSeconds")));
                line(out, "Update interval", String.format(Locale.ROOT, "%.1f seconds ago", s.getDouble("lastUpdateAgeSeconds")));
            }
            line(out, "Updates", String.valueOf(s.getLong("updates")));
            return out.toString();
        }

        private static void line(StringBuilder out, String name, String value) {
            out.append(String.format(Locale.ROOT, "%-16s: %s%n", name, value));
        }
    }

    @Command(name = "selection", mixinStandardHelpOptions = true,
            description = "The selector's recent decisions with the reason for every exclusion, like chronyc selectdata.")
    static final class Selection extends View {
        @Option(names = {"-n", "--decisions"}, paramLabel = "N", defaultValue = "5",
                description = "How many recent decisions (default: ${DEFAULT-VALUE}).")
        int decisions;

        @Override
        String render(NodeApi api, boolean json) throws IOException, InterruptedException {
            JsonObject status = api.object("status?decisions=" + decisions);
            JsonObject selection = status.getJsonObject("selection");
            if (selection == null) {
                throw new IOException(status.getString("selectionError", "no active selector answered"));
            }
            if (json) {
                return selection.encodePrettily() + System.lineSeparator();
            }
            StringBuilder out = new StringBuilder("Selector: " + selection.getString("selectorNode") + System.lineSeparator());
            for (Object o : selection.getJsonArray("decisions")) {
                JsonObject d = (JsonObject) o;
                boolean majority = "MAJORITY".equals(d.getString("status"));
                out.append(String.format(Locale.ROOT, "#%d %-13s %d of %d agree on [%+.6f, %+.6f]%s%n", d.getLong("sequence"),
                        d.getString("status"), d.getInteger("agreeing"), d.getInteger("candidates"),
                        d.getDouble("regionLowSeconds"), d.getDouble("regionHighSeconds"), majority
                                ? String.format(Locale.ROOT, "; offset %+.9f s ± %.6f s, peer %s", d.getDouble("offsetSeconds"),
                                        d.getDouble("rootDistanceSeconds"), d.getString("systemPeer")) : ""));
                for (Object e : d.getJsonArray("exclusions")) {
                    JsonObject x = (JsonObject) e;
                    out.append(String.format(Locale.ROOT, "    %s %-24s %-12s %s%n", symbol(x.getString("state")),
                            x.getString("source"), x.getString("state"), x.getString("reason")));
                }
            }
            return out.toString();
        }
    }

    /** A source state's column; blank for a state this build does not know (a newer selector's). */
    private static String symbol(String state) {
        try {
            return String.valueOf(SourceState.of(state).symbol());
        } catch (IllegalArgumentException e) {
            return " ";
        }
    }

    private static String nanos(Long value, String format) {
        return value == null ? "-" : String.format(Locale.ROOT, format, value / 1e9);
    }
}
