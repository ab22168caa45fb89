package io.timemesh.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.timemesh.core.settings.Layer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
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

    @Option(names = "--cluster-tls-cert", paramLabel = "PEM",
            description = "TLS on the event bus: this member's certificate chain (with --cluster-tls-key and"
                    + " --cluster-tls-trust; members authenticate each other).")
    private Path clusterTlsCert;

    @Option(names = "--cluster-tls-key", paramLabel = "PEM", description = "Its private key (PEM, unencrypted).")
    private Path clusterTlsKey;

    @Option(names = "--cluster-tls-trust", paramLabel = "PEM",
            description = "The certificates (the cluster's authority) that members' certificates must chain to.")
    private Path clusterTlsTrust;

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
                config.roles().stream().map(Role::toString).collect(Collectors.joining(",")), config.clusterName(), node.httpPort() < 0 ? ""
                        : String.format(" serving %s://%s:%d/time", config.api().http().tls() == null ? "http" : "https",
                                config.api().httpHost(), node.httpPort()));
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
     * File < environment < system properties < these options, bound and checked as one.
     *
     * @throws IllegalArgumentException naming the key, what it takes, the value as given and where it was given
     *         (config file, environment variable, system property or option)
     */
    NodeConfig config() {
        List<Layer> layers = new ArrayList<>();
        if (configFile != null) {
            layers.add(Layer.file(configFile));
        }
        layers.add(ConfigLayers.environment(System.getenv()));
        layers.add(ConfigLayers.properties(System.getProperties()));
        layers.add(options());
        return NodeConfig.of(layers);
    }

    /** The options given, as the last layer: each key set by an option is named as that option. */
    private Layer options() {
        JsonNodeFactory json = JsonNodeFactory.instance;
        Layer layer = Layer.empty();
        if (!sources.isEmpty()) {
            ArrayNode entries = json.arrayNode();
            for (SourceOption source : sources) {
                if (!source.nts && (source.ntsKePort != null || source.ntsTrustedCertificates != null)) {
                    throw new IllegalArgumentException("'sources': --source-nts-ke-port and --source-trusted-certificates"
                            + " need --nts (after --source " + source.address + ")");
                }
                if (source.nts) {
                    ObjectNode entry = entries.addObject().put("address", source.address).put("nts", true);
                    if (source.ntsKePort != null) {
                        entry.put("ntsKePort", source.ntsKePort);
                    }
                    if (source.ntsTrustedCertificates != null) {
                        entry.put("trustedCertificates", source.ntsTrustedCertificates.toString());
                    }
                } else {
                    entries.add(source.address);
                }
            }
            layer.put(List.of("sources"), entries, new Layer.Origin("option --source", null));
        }
        if (!pools.isEmpty()) {
            ArrayNode entries = json.arrayNode();
            pools.forEach(pool -> entries.addObject().put("name", pool));
            layer.put(List.of("pools"), entries, new Layer.Origin("option --pool", null));
        }
        if (!roles.isEmpty()) {
            ArrayNode entries = json.arrayNode();
            roles.forEach(entries::add);
            layer.put(List.of("roles"), entries, new Layer.Origin("option --roles", String.join(",", roles)));
        }
        option(layer, "--poll", poll, "pollSeconds");
        option(layer, "--http-port", httpPort, "httpPort");
        option(layer, "--http-host", httpHost, "httpHost");
        option(layer, "--node-name", nodeName, "nodeName");
        option(layer, "--ntp-port", ntpPort, "ntpPort");
        option(layer, "--nts-ke-port", ntsKePort, "ntsServer", "kePort");
        option(layer, "--nts-certificate", ntsCertificate, "ntsServer", "certificate");
        option(layer, "--nts-key", ntsKey, "ntsServer", "key");
        option(layer, "--cluster-name", clusterName, "clusterName");
        if (cluster || !members.isEmpty() || clusterHost != null || clusterPort != null || busHost != null
                || busPort != null || hazelcastConfig != null || clusterKey != null || insecureCluster
                || clusterTlsCert != null || clusterTlsKey != null || clusterTlsTrust != null) {
            layer.put(List.of("cluster"), json.objectNode(), new Layer.Origin("option --cluster", null));
            if (!members.isEmpty()) {
                ArrayNode entries = json.arrayNode();
                members.forEach(entries::add);
                layer.put(List.of("cluster", "members"), entries,
                        new Layer.Origin("option --members", String.join(",", members)));
            }
            option(layer, "--cluster-host", clusterHost, "cluster", "host");
            option(layer, "--cluster-port", clusterPort, "cluster", "port");
            option(layer, "--bus-host", busHost, "cluster", "busHost");
            option(layer, "--bus-port", busPort, "cluster", "busPort");
            option(layer, "--hazelcast-config", hazelcastConfig, "cluster", "hazelcastConfig");
            option(layer, "--cluster-key", clusterKey, "cluster", "keyFile");
            option(layer, "--insecure-cluster", insecureCluster ? true : null, "cluster", "insecure");
            option(layer, "--cluster-tls-cert", clusterTlsCert, "cluster", "tls", "certFile");
            option(layer, "--cluster-tls-key", clusterTlsKey, "cluster", "tls", "keyFile");
            option(layer, "--cluster-tls-trust", clusterTlsTrust, "cluster", "tls", "trustFile");
        }
        return layer;
    }

    /** Sets the key at {@code path} from an option, when the option was given. */
    private static void option(Layer layer, String option, Object value, String... path) {
        if (value != null) {
            JsonNode node = value instanceof Integer n ? IntNode.valueOf(n) : value instanceof Boolean b
                    ? BooleanNode.valueOf(b) : TextNode.valueOf(value.toString());
            layer.put(List.of(path), node, new Layer.Origin("option " + option, value.toString()));
        }
    }
}
