package io.timemesh.deploy;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Nodes node-0, node-1, … as real processes of the packaged jar, clustered on loopback and polling
 * simulated servers every second; true time is {@link #local} + 0.3 s for the truthful ones (see
 * {@link MeshFixture}). A node's first process takes any free HTTP port; later ones (after a kill)
 * take the same HTTP and cluster ports, so they are the same node again. Every process logs to its
 * own file under target/{@code logDir}.
 */
final class NodeProcesses implements AutoCloseable {
    private static final Pattern SAMPLER_IDENTITY = Pattern.compile("sampler (\\S+) sharing");
    private static final Pattern HTTP_PORT = Pattern.compile("serving http://[^:]+:(\\d+)/time");

    final MonotonicTimescale local = new MonotonicTimescale();
    final List<SimulatedNtpServer> servers = new ArrayList<>();
    private final Path logs;
    private final Path configFile;
    /** The cluster key every node is started with. */
    final Path keyFile;
    private final List<String> names = new ArrayList<>();
    private final Map<String, Integer> httpPorts = new HashMap<>();
    private final Map<String, Process> processes = new HashMap<>();
    private final Map<String, Path> currentLogs = new HashMap<>();
    private final Map<String, Integer> starts = new HashMap<>();
    private final String clusterName = "test-" + UUID.randomUUID();
    private Placement placement;

    /** Where the nodes run and how they are reached. */
    interface Placement {
        /** Prepended to node {@code i}'s command (e.g. to run it in a network namespace); empty for none. */
        List<String> prefix(int i);

        /** The address node {@code i}'s Hazelcast member and event bus bind and are reached on. */
        String clusterHost(int i);

        int clusterPort(int i);

        /** The address node {@code i} serves HTTP on, as this JVM reaches it. */
        String serviceHost(int i);
    }

    /** Every node on 127.0.0.1, each member on a port of its own. */
    private record Loopback(List<Integer> ports) implements Placement {
        @Override
        public List<String> prefix(int i) {
            return List.of();
        }

        @Override
        public String clusterHost(int i) {
            return "127.0.0.1";
        }

        @Override
        public int clusterPort(int i) {
            return ports.get(i);
        }

        @Override
        public String serviceHost(int i) {
            return "127.0.0.1";
        }
    }

    /** {@code count} nodes on loopback. */
    NodeProcesses(String logDir, int count) {
        this(logDir, count, null);
    }

    /** {@code count} nodes placed by {@code placement} (null: on loopback, ports chosen at start). */
    NodeProcesses(String logDir, int count, Placement placement) {
        this.placement = placement;
        logs = Path.of("target", logDir);
        configFile = logs.resolve("node.json");
        keyFile = logs.resolve("cluster.key");
        for (int i = 0; i < count; i++) {
            names.add("node-" + i);
        }
    }

    /** A source for the nodes; all are added before {@link #startAll}. */
    void server(String address, ServerBehaviour behaviour) throws SocketException {
        servers.add(SimulatedNtpServer.start(address, local, behaviour));
    }

    List<String> names() {
        return List.copyOf(names);
    }

    void startAll() throws IOException {
        Files.createDirectories(logs);
        try (var old = Files.newDirectoryStream(logs, "*.log")) {
            for (Path log : old) {
                Files.delete(log); // a previous run's restarts would be taken for this run's
            }
        }
        JsonObject config = new JsonObject()
                .put("sources", new JsonArray(servers.stream().map(SimulatedNtpServer::hostPort).toList()))
                .put("pollSeconds", 1).put("sampler", new JsonObject().put("timeoutMillis", 500));
        Files.writeString(configFile, config.encodePrettily());
        Files.writeString(keyFile, ClusterKey.generate());
        if (placement == null) {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                ports.add(LoopbackCluster.freeTcpPort());
            }
            placement = new Loopback(ports);
        }
        for (String name : names) {
            start(name);
        }
    }

    /**
     * Three truthful servers on {@code net}.1–3 over asymmetric paths, then every node, until all are
     * SYNCHRONIZED (at most 90 s).
     *
     * @param net the first three octets of the servers' loopback addresses, e.g. "127.0.8"
     * @return the nodes' names
     */
    List<String> startSynchronised(String net) throws IOException, InterruptedException {
        server(net + ".1", MeshFixture.truthful(8, 2));
        server(net + ".2", MeshFixture.truthful(2, 8));
        server(net + ".3", MeshFixture.truthful(5, 3));
        startAll();
        awaitSynchronised(names, Duration.ofSeconds(90));
        return names();
    }

    /** Starts the node, or starts it again after a kill: same name and ports, a log file of its own. */
    void start(String name) throws IOException {
        int i = names.indexOf(name);
        List<String> command = new ArrayList<>(placement.prefix(i));
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", Path.of(System.getProperty("timemesh.jar", "target/timemesh.jar")).toAbsolutePath()
                        .toString(), "run", "--config", configFile.toAbsolutePath().toString(), "--cluster", "--cluster-key",
                keyFile.toAbsolutePath().toString(), "--cluster-name", clusterName, "--members", String.join(",", members()),
                "--cluster-host", placement.clusterHost(i), "--cluster-port", String.valueOf(placement.clusterPort(i)),
                "--node-name", name, "--http-host", placement.serviceHost(i),
                "--http-port", String.valueOf(httpPorts.getOrDefault(name, 0))));
        int start = starts.merge(name, 1, Integer::sum);
        Path log = logs.resolve(start == 1 ? name + ".log" : name + "-start" + start + ".log");
        currentLogs.put(name, log);
        processes.put(name, new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }

    /** Sends {@code signal} (STOP, CONT) to the node's process. */
    void signal(String name, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(processes.get(name).pid())).start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + name + " failed");
        }
    }

    /**
     * A plain Vert.x member that joins the nodes' cluster knowing only its name and members, as anyone
     * who can reach the ports could: no cluster key. The caller closes it.
     */
    Vertx intruder() throws IOException {
        int port = LoopbackCluster.freeTcpPort();
        return Vertx.builder().with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1")
                        .setPort(0))).withClusterManager(new HazelcastClusterManager(ClusterConfigs.tcpIp(clusterName,
                        "127.0.0.1", port, members()))).buildClustered().await();
    }

    private List<String> members() {
        List<String> members = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            members.add(placement.clusterHost(i) + ":" + placement.clusterPort(i));
        }
        return members;
    }

    String metrics(String name) throws IOException, InterruptedException {
        return NodeHttp.text(host(name), httpPort(name), "/metrics");
    }

    /** SIGKILL: no shutdown hook runs, nothing is handed over. Returns once the process is gone. */
    void kill(String name) throws InterruptedException {
        processes.get(name).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    MeshFixture.Answer time(String name) throws IOException, InterruptedException {
        return NodeHttp.time(local, host(name), httpPort(name));
    }

    JsonArray sources(String name) throws IOException, InterruptedException {
        return NodeHttp.sources(host(name), httpPort(name));
    }

    JsonObject status(String name, int decisions) throws IOException, InterruptedException {
        return NodeHttp.status(host(name), httpPort(name), decisions);
    }

    private String host(String name) {
        return placement.serviceHost(names.indexOf(name));
    }

    /** The port the node serves HTTP on, as it said once it had started. */
    private int httpPort(String name) throws IOException {
        Integer port = httpPorts.get(name);
        if (port == null) {
            port = logged(name, HTTP_PORT).map(Integer::valueOf)
                    .orElseThrow(() -> new ConnectException(name + " is not serving yet"));
            httpPorts.put(name, port);
        }
        return port;
    }

    /** Group 1 of the pattern's first match in the node's current log. */
    private Optional<String> logged(String name, Pattern pattern) throws IOException {
        Matcher matcher = pattern.matcher(Files.readString(currentLogs.get(name)));
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /**
     * The selection as {@code name}'s /status shows it, asked again while it has none (the selector did not answer
     * within the API's 2 s, routine on a loaded machine), for up to {@code limit}.
     *
     * @throws AssertionError when none came within {@code limit}
     */
    JsonObject awaitSelection(String name, Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            JsonObject selection = status(name, 1).getJsonObject("selection");
            if (selection != null && selection.getString("selectorNode") != null) {
                return selection;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " showed no selection for " + limit);
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }

    /** The active selector's node name as {@code name} sees it, once it shows one (within 10 s). */
    String awaitSelectorOf(String name) throws IOException, InterruptedException {
        String selector = awaitSelection(name, Duration.ofSeconds(10)).getString("selectorNode");
        return selector.substring(0, selector.indexOf('/'));
    }

    /** The active selector's node name as {@code name} sees it (without the incarnation), or null if none answers. */
    String selectorOf(String name) {
        try {
            JsonObject selection = status(name, 1).getJsonObject("selection");
            String selector = selection == null ? null : selection.getString("selectorNode");
            return selector == null ? null : selector.substring(0, selector.indexOf('/'));
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    /** The node's identity in the cluster, name/incarnation, as its sampler announced it in the log. */
    String identity(String name, Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> identity = logged(name, SAMPLER_IDENTITY);
            if (identity.isPresent()) {
                return identity.get();
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new AssertionError(name + "'s sampler did not start within " + limit + "; see " + currentLogs.get(name));
    }

    /** Whether the node answers, SYNCHRONIZED. */
    boolean synchronised(String name) throws InterruptedException {
        try {
            return time(name).status().equals("SYNCHRONIZED");
        } catch (IOException e) {
            return false; // not listening (yet)
        }
    }

    void awaitSynchronised(Collection<String> nodes, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        for (String node : nodes) {
            while (!synchronised(node)) {
                if (!processes.get(node).isAlive()) {
                    throw new AssertionError(node + " exited; see " + currentLogs.get(node));
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(node + " not SYNCHRONIZED within " + limit + "; see " + logs);
                }
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
    }

    /**
     * Waits until the sources are shared out: {@code name}'s /sources shows every source sampled by one of
     * {@code samplers} distinct samplers, each in the vote (selected, candidate or falseticker). Right after the
     * last node joins, sources move between samplers, and a move can take a source out of the vote for a
     * selection or two (a brief HOLDOVER everywhere when it breaks the majority).
     */
    void awaitSourcesShared(String name, int samplers, Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        String seen = "nothing";
        while (System.nanoTime() < deadline) {
            JsonArray sources = sources(name);
            Set<String> owners = new HashSet<>();
            boolean voting = true;
            for (int i = 0; i < sources.size(); i++) {
                JsonObject source = sources.getJsonObject(i);
                owners.add(String.valueOf(source.getString("samplerNode")));
                voting &= Set.of("selected", "candidate", "falseticker").contains(source.getString("state"));
            }
            if (voting && owners.size() == samplers) {
                return;
            }
            seen = sources.encode();
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new AssertionError("sources not shared among " + samplers + " samplers within " + limit + ": " + seen);
    }

    @Override
    public void close() throws InterruptedException {
        for (Process process : processes.values()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        servers.forEach(SimulatedNtpServer::close);
    }
}
