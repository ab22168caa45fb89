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
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    private LoopbackCluster cluster; // only its free ports and unique name are used

    NodeProcesses(String logDir, int count) {
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
                .put("pollSeconds", 1).put("httpHost", "127.0.0.1")
                .put("sampler", new JsonObject().put("timeoutMillis", 500));
        Files.writeString(configFile, config.encodePrettily());
        Files.writeString(keyFile, ClusterKey.generate());
        cluster = new LoopbackCluster(names.size());
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
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", System.getProperty("timemesh.jar", "target/timemesh.jar"), "run",
                "--config", configFile.toString(), "--cluster", "--cluster-key", keyFile.toString(), "--cluster-name", cluster.name,
                "--members", String.join(",", cluster.memberList()), "--cluster-port", String.valueOf(cluster.ports.get(i)),
                "--node-name", name, "--http-port", String.valueOf(httpPorts.getOrDefault(name, 0)));
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
                        .setPort(0))).withClusterManager(new HazelcastClusterManager(ClusterConfigs.tcpIp(cluster.name,
                        "127.0.0.1", port, cluster.memberList()))).buildClustered().await();
    }

    String metrics(String name) throws IOException, InterruptedException {
        return NodeHttp.text(httpPort(name), "/metrics");
    }

    /** SIGKILL: no shutdown hook runs, nothing is handed over. Returns once the process is gone. */
    void kill(String name) throws InterruptedException {
        processes.get(name).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    MeshFixture.Answer time(String name) throws IOException, InterruptedException {
        return NodeHttp.time(local, httpPort(name));
    }

    JsonArray sources(String name) throws IOException, InterruptedException {
        return NodeHttp.sources(httpPort(name));
    }

    JsonObject status(String name, int decisions) throws IOException, InterruptedException {
        return NodeHttp.status(httpPort(name), decisions);
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

    @Override
    public void close() throws InterruptedException {
        for (Process process : processes.values()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        servers.forEach(SimulatedNtpServer::close);
    }
}
