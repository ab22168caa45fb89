package io.timemesh.deploy;

import io.timemesh.core.ntp.ServerAddress;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code timemesh run}: start a node and serve time until stopped. */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run a timemesh node: sample the sources, select, discipline the clock and serve bounded time",
            "on HTTP (GET /time, /sources, /status) and the event bus. Settings come from --config FILE",
            "(JSON), then TIMEMESH_* environment variables (TIMEMESH_POLL_SECONDS, TIMEMESH_DISCIPLINE__MAX_DRIFT_PPM),",
            "then -Dtimemesh.* system properties (-Dtimemesh.discipline.maxDriftPpm=20), then the options here.",
            "Without sources it polls the public NTP pool every 64 s."})
public final class RunCommand implements Callable<Integer> {

    @Option(names = "--source", paramLabel = "HOST[:PORT]", description = "An NTP source (repeatable).")
    private List<String> sources = new ArrayList<>();

    @Option(names = "--poll", paramLabel = "SECONDS", description = "Poll interval, 1..131072 (default 64).")
    private Integer poll;

    @Option(names = "--http-port", paramLabel = "N", description = "HTTP port (default 8123; 0 for any).")
    private Integer httpPort;

    @Option(names = "--http-host", paramLabel = "HOST", description = "HTTP bind address (default 0.0.0.0).")
    private String httpHost;

    @Option(names = "--ntp-port", paramLabel = "N", description = "Serve NTP on this UDP port (default: no NTP server).")
    private Integer ntpPort;

    @Option(names = "--node-name", paramLabel = "NAME", description = "This node's name (default node-PID).")
    private String nodeName;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON configuration file.")
    private Path configFile;

    @Option(names = "--cluster", description = "Form or join a cluster of several nodes (default: a single embedded member).")
    private boolean cluster;

    @Option(names = "--members", paramLabel = "HOST:PORT,...", split = ",",
            description = "Hazelcast members to join by TCP-IP (with --cluster).")
    private List<String> members = new ArrayList<>();

    @Option(names = "--cluster-name", paramLabel = "NAME", description = "Cluster name (default timemesh).")
    private String clusterName;

    @Option(names = "--cluster-host", paramLabel = "HOST", description = "Hazelcast bind address (default 127.0.0.1).")
    private String clusterHost;

    @Option(names = "--cluster-port", paramLabel = "N", description = "Hazelcast port (default 5701, next free).")
    private Integer clusterPort;

    @Option(names = "--bus-host", paramLabel = "HOST", description = "Event-bus bind address (default: the cluster host).")
    private String busHost;

    @Option(names = "--bus-port", paramLabel = "N", description = "Event-bus port (default any free).")
    private Integer busPort;

    @Option(names = "--hazelcast-config", paramLabel = "FILE",
            description = "A Hazelcast XML file (cluster.xml, Kubernetes join) instead of the options above.")
    private Path hazelcastConfig;

    @Option(names = "--cluster-key", paramLabel = "FILE",
            description = "The key every member shares (make one with 'timemesh cluster-key FILE'); needed with --cluster.")
    private Path clusterKey;

    @Option(names = "--insecure-cluster",
            description = "Run a cluster without a key: any process that reaches its port can then move its time.")
    private boolean insecureCluster;

    @Option(names = "--roles", paramLabel = "ROLE,...", split = ",",
            description = "What this node runs, of sampler,selector,discipline,api (default all).")
    private List<String> roles = new ArrayList<>();

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        NodeConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "bad configuration: " + e.getMessage());
        }
        FatalErrors.installProcessWide();
        TimemeshNode node = TimemeshNode.start(config).await();
        FatalErrors.watch(node.vertx(), FatalErrors.DEAF_AFTER);
        spec.commandLine().getOut().printf("timemesh node %s (%s) in cluster %s%s%n", config.nodeName(),
                String.join(",", config.roles()), config.clusterName(), node.httpPort() < 0 ? ""
                        : String.format(" serving http://%s:%d/time", config.apiConfig().getString("httpHost", "0.0.0.0"),
                                node.httpPort()));
        spec.commandLine().getOut().flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.stop().await();
            stopped.countDown();
        }, "timemesh-shutdown"));
        stopped.await();
        return 0;
    }

    /** File < environment < system properties < these options; validated as a whole. */
    NodeConfig config() {
        JsonObject file = configFile == null ? new JsonObject() : NodeConfig.readJson(configFile);
        NodeConfig config = new NodeConfig(ConfigLayers.layer(file, System.getenv(), System.getProperties()));
        if (!sources.isEmpty()) {
            sources.forEach(ServerAddress::parse);
            config = config.with("sources", new JsonArray(sources));
        }
        if (poll != null) {
            config = config.with("pollSeconds", poll);
        }
        if (httpPort != null) {
            config = config.with("httpPort", httpPort);
        }
        if (httpHost != null) {
            config = config.with("httpHost", httpHost);
        }
        if (nodeName != null) {
            config = config.with("nodeName", nodeName);
        }
        if (ntpPort != null) {
            config = config.with("ntpPort", ntpPort);
        }
        if (!roles.isEmpty()) {
            config = config.with("roles", new JsonArray(roles));
        }
        if (clusterName != null) {
            config = config.with("clusterName", clusterName);
        }
        boolean clusterOptions = cluster || !members.isEmpty() || clusterHost != null || clusterPort != null
                || busHost != null || busPort != null || hazelcastConfig != null || clusterKey != null || insecureCluster;
        if (clusterOptions) {
            JsonObject clusterJson = config.cluster();
            if (!members.isEmpty()) {
                clusterJson.put("members", new JsonArray(members));
            }
            putIfSet(clusterJson, "host", clusterHost);
            putIfSet(clusterJson, "port", clusterPort);
            putIfSet(clusterJson, "busHost", busHost);
            putIfSet(clusterJson, "busPort", busPort);
            putIfSet(clusterJson, "hazelcastConfig", hazelcastConfig == null ? null : hazelcastConfig.toString());
            putIfSet(clusterJson, "keyFile", clusterKey == null ? null : clusterKey.toString());
            putIfSet(clusterJson, "insecure", insecureCluster ? true : null);
            config = config.with("cluster", clusterJson);
        }
        return config;
    }

    private static void putIfSet(JsonObject json, String key, Object value) {
        if (value != null) {
            json.put(key, value);
        }
    }
}
