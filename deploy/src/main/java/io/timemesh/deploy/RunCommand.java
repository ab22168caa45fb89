package io.timemesh.deploy;

import io.timemesh.api.nts.NtsServerSettings;
import io.timemesh.core.ntp.ServerAddress;
import io.timemesh.core.settings.SettingException;
import io.timemesh.sampler.nts.NtsKeClient;
import io.timemesh.sampler.nts.NtsSourceSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /** One {@code --source} and the NTS options that follow it. */
    static final class SourceOption {
        @Option(names = "--source", required = true, paramLabel = "HOST[:PORT]", description = "An NTP source (repeatable).")
        String address;

        @Option(names = "--nts", description = "Authenticate the --source before it with NTS (RFC 8915): NTS-KE over "
                + "TLS, then only authenticated replies count.")
        boolean nts;

        @Option(names = "--source-nts-ke-port", paramLabel = "N", description = "Its NTS-KE port (default 4460).")
        Integer ntsKePort;

        @Option(names = "--source-trusted-certificates", paramLabel = "PEM",
                description = "Trust only these certificates for its NTS-KE (default: the JDK's trust store).")
        Path ntsTrustedCertificates;
    }

    @CommandLine.ArgGroup(exclusive = false, multiplicity = "0..*")
    private List<SourceOption> sources = new ArrayList<>();

    @Option(names = "--pool", paramLabel = "HOST[:PORT]",
            description = "An NTP pool (repeatable): up to 4 of its addresses are asked, each a source and a voter.")
    private List<String> pools = new ArrayList<>();

    @Option(names = "--poll", paramLabel = "SECONDS", description = "Poll interval, 1..131072 (default 64).")
    private Integer poll;

    @Option(names = "--http-port", paramLabel = "N", description = "HTTP port (default 8123; 0 for any).")
    private Integer httpPort;

    @Option(names = "--http-host", paramLabel = "HOST", description = "HTTP bind address (default 0.0.0.0).")
    private String httpHost;

    @Option(names = "--ntp-port", paramLabel = "N", description = "Serve NTP on this UDP port (default: no NTP server).")
    private Integer ntpPort;

    @Option(names = "--nts-ke-port", paramLabel = "N",
            description = "Serve NTS (RFC 8915): NTS-KE on this TCP port (0 for any), authenticated replies from the"
                    + " NTP server (needs --ntp-port, --nts-certificate and --nts-key).")
    private Integer ntsKePort;

    @Option(names = "--nts-certificate", paramLabel = "PEM", description = "The NTS-KE server's certificate chain.")
    private Path ntsCertificate;

    @Option(names = "--nts-key", paramLabel = "PEM", description = "Its private key (PKCS#8 PEM).")
    private Path ntsKey;

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

    @Option(names = "--cluster-port", paramLabel = "N", description = "Hazelcast port (default 5701; a taken port fails the start).")
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
            // The options parsed; a value in them or in a layer below did not: say which, without the usage.
            spec.commandLine().getErr().println("timemesh run: bad configuration: " + e.getMessage());
            return 2;
        }
        config.duplicateSources().forEach(warning -> spec.commandLine().getErr().println("warning: " + warning));
        FatalErrors.installProcessWide();
        TimemeshNode node;
        try {
            node = TimemeshNode.start(config).await();
        } catch (RuntimeException e) { // a port in use, a cluster that cannot form: the reason, not a stack trace
            spec.commandLine().getErr().println("timemesh run: cannot start: " + e.getMessage());
            return 1;
        }
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

    /**
     * File < environment < system properties < these options; validated as a whole.
     *
     * @throws IllegalArgumentException naming the key, what it takes, the value as given and where it was given
     *         (config file, environment variable, system property or option)
     */
    NodeConfig config() {
        Map<String, String> options = new HashMap<>(); // key -> the option that set it
        try {
            return layered(options);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(explained(e, options), e);
        }
    }

    /** The message of a refused setting, with where its value came from and that value as the user wrote it. */
    private String explained(IllegalArgumentException e, Map<String, String> options) {
        String key = e instanceof SettingException refused ? refused.key() : quotedKey(e.getMessage());
        if (key == null) {
            return e.getMessage();
        }
        String listKey = key.contains("[") ? key.substring(0, key.indexOf('[')) : key; // "pools[0].name": pools
        if (options.containsKey(listKey)) {
            return e.getMessage() + " (option " + options.get(listKey) + ")";
        }
        ConfigLayers.Origin origin = ConfigLayers.origins(System.getenv(), System.getProperties()).get(key);
        if (origin != null) {
            return (e instanceof SettingException refused
                    ? "'" + key + "' must be " + refused.allowed() + ", was " + origin.given() : e.getMessage())
                    + " (" + origin.where() + ")";
        }
        return configFile == null ? e.getMessage() : e.getMessage() + " (config file " + configFile + ")";
    }

    /** The first 'quoted' key in a message, or null. */
    private static String quotedKey(String message) {
        Matcher matcher = QUOTED.matcher(message == null ? "" : message);
        return matcher.find() ? matcher.group(1) : null;
    }

    private static final Pattern QUOTED = Pattern.compile("'([A-Za-z][A-Za-z0-9.\\[\\]]*)'");

    private NodeConfig layered(Map<String, String> options) {
        JsonObject file = configFile == null ? new JsonObject() : NodeConfig.readJson(configFile);
        JsonObject layers = ConfigLayers.layer(file, System.getenv(), System.getProperties());
        // Sources, pools and roles decide together what a node needs (servers to ask, or none for an
        // api-only node): the options go in before the layers are checked as one.
        if (!sources.isEmpty()) {
            options.put("sources", "--source");
            JsonArray entries = new JsonArray();
            for (SourceOption source : sources) {
                try {
                    ServerAddress.parse(source.address);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("'sources': " + e.getMessage(), e);
                }
                if (!source.nts && (source.ntsKePort != null || source.ntsTrustedCertificates != null)) {
                    throw new IllegalArgumentException("'sources': --source-nts-ke-port and --source-trusted-certificates need --nts"
                            + " (after --source " + source.address + ")");
                }
                entries.add(source.nts ? new NtsSourceSettings(source.ntsKePort == null ? NtsKeClient.DEFAULT_KE_PORT
                        : source.ntsKePort, source.ntsTrustedCertificates).toJson(source.address) : source.address);
            }
            layers.put("sources", entries);
        }
        if (!pools.isEmpty()) {
            options.put("pools", "--pool");
            JsonArray poolsJson = new JsonArray();
            pools.forEach(pool -> poolsJson.add(new JsonObject().put("name", pool)));
            if (sources.isEmpty() && !layers.containsKey("sources")) {
                layers.put("sources", new JsonArray()); // the pools replace the default sources
            }
            layers.put("pools", poolsJson);
        }
        if (!roles.isEmpty()) {
            options.put("roles", "--roles");
            layers.put("roles", new JsonArray(roles));
        }
        NodeConfig config = new NodeConfig(layers);
        config = option(config, options, "pollSeconds", "--poll", poll);
        config = option(config, options, "httpPort", "--http-port", httpPort);
        config = option(config, options, "httpHost", "--http-host", httpHost);
        config = option(config, options, "nodeName", "--node-name", nodeName);
        config = option(config, options, "ntpPort", "--ntp-port", ntpPort);
        if (ntsKePort != null || ntsCertificate != null || ntsKey != null) {
            options.put(NtsServerSettings.SECTION, "--nts-ke-port");
            JsonObject nts = config.json().getJsonObject(NtsServerSettings.SECTION, new JsonObject()).copy();
            putIfSet(nts, "kePort", ntsKePort);
            putIfSet(nts, "certificate", ntsCertificate == null ? null : ntsCertificate.toString());
            putIfSet(nts, "key", ntsKey == null ? null : ntsKey.toString());
            config = config.with(NtsServerSettings.SECTION, nts);
        }
        config = option(config, options, "clusterName", "--cluster-name", clusterName);
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

    /** The config with {@code key} set from an option, when the option was given. */
    private static NodeConfig option(NodeConfig config, Map<String, String> options, String key, String option,
                                     Object value) {
        if (value == null) {
            return config;
        }
        options.put(key, option);
        return config.with(key, value);
    }

    private static void putIfSet(JsonObject json, String key, Object value) {
        if (value != null) {
            json.put(key, value);
        }
    }
}
