package io.timemesh.deploy;

import io.timemesh.api.ApiVerticle;
import io.timemesh.api.NtpServerVerticle;
import io.timemesh.api.nts.NtsKeServer;
import io.timemesh.api.nts.NtsServerSettings;
import io.timemesh.core.nts.NtsServerKeys;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.core.time.TimeSource;
import io.timemesh.discipline.DisciplineVerticle;
import io.timemesh.sampler.HostResolver;
import io.timemesh.sampler.SamplerVerticle;
import io.timemesh.selector.SelectorVerticle;
import io.timemesh.timebase.MeshAuth;
import io.timemesh.timebase.TimebaseVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.LifecycleEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.json.JsonArray;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.Supplier;

/**
 * One timemesh node: a clustered Vert.x (an embedded Hazelcast member on loopback by default) with
 * the discipline, selector, API and sampler verticles. The verticles talk only over the event bus,
 * so the same assembly runs one node or many.
 */
public final class TimemeshNode {
    private final Vertx vertx;
    private final ApiVerticle api;
    private final NtpServerVerticle ntp;
    /** Every NTP server instance, the first included. */
    private final List<NtpServerVerticle> ntpInstances;
    /** The NTS-KE server, or null when the node does not serve NTS. */
    private final NtsKeServer ntsKe;

    private TimemeshNode(Vertx vertx, ApiVerticle api, NtpServerVerticle ntp, List<NtpServerVerticle> ntpInstances,
                         NtsKeServer ntsKe) {
        this.vertx = vertx;
        this.api = api;
        this.ntp = ntp;
        this.ntpInstances = ntpInstances;
        this.ntsKe = ntsKe;
    }

    public static Future<TimemeshNode> start(NodeConfig config) {
        return start(config, new MonotonicTimescale(), HostResolver.SYSTEM);
    }

    /**
     * @param clock    the node's local timescale (tests share it with their simulated servers)
     * @param resolver how the sampler resolves source names
     */
    public static Future<TimemeshNode> start(NodeConfig named, TimeSource clock, HostResolver resolver) {
        // Each process is a new clock (its timescale is anchored anew at start), so it runs under its own
        // incarnation: nothing measured against a previous process of the same name is taken as ours.
        NodeConfig config = named.with("nodeName", named.nodeName() + "/" + incarnation());
        JsonObject cluster = config.cluster();
        String busHost = cluster.getString("busHost", cluster.getString("host", "127.0.0.1"));
        PrometheusMeterRegistry registry = NodeMetrics.registry(BuildInfo.current());
        VertxOptions options = new VertxOptions().setPreferNativeTransport(true).setEventBusOptions(new EventBusOptions()
                        .setHost(busHost).setPort(cluster.getInteger("busPort", 0)))
                .setMetricsOptions(metricsOptions(config));
        int precision = MonotonicTimescale.measurePrecisionLog2();
        String node = config.nodeName();
        ClusterKey clusterKey = clusterKey(config);
        MeshAuth auth = meshAuth(config, clusterKey, clock);
        auth.onRejection((channel, reason) -> rejected(registry, channel, reason).increment());
        // The references' series exist from the start, at 0, so that alerts on them have something to read.
        for (MeshAuth.Rejection reason : MeshAuth.Rejection.values()) {
            rejected(registry, EventBusAddresses.REFERENCE, reason);
        }
        List<String> roles = config.roles();
        MonotonicReader reader = new MonotonicReader(); // one per node: HTTP, event bus and NTP serve one time
        ApiVerticle api = roles.contains("api") ? new ApiVerticle(clock, reader, auth, registry) : null;
        JsonObject ntpConfig = roles.contains("api") ? config.ntpConfig() : null;
        NtsServerSettings nts = ntpConfig == null ? null : config.ntsServer();
        // One set of cookie keys for the node's NTS-KE server and every NTP server instance.
        NtsServerKeys ntsKeys = nts == null ? null
                : new NtsServerKeys(new SecureRandom(), nts.keyRotationSeconds() * 1_000_000_000L, clock.nowNanos());
        NtpServerVerticle ntp = ntpConfig == null ? null : new NtpServerVerticle(clock, reader, precision, ntsKeys);
        NtsKeServer[] ntsKe = new NtsKeServer[1];
        List<NtpServerVerticle> ntpInstances = new ArrayList<>(ntp == null ? List.of() : List.of(ntp));
        Config hazelcast = hazelcast(config);
        HazelcastClusterManager clusterManager = new HazelcastClusterManager(hazelcast);
        return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry)).withClusterManager(clusterManager)
                .buildClustered()
                .recover(e -> Future.failedFuture(hazelcastFailure(hazelcast, e)))
                .onSuccess(vertx -> tellMembershipChanges(vertx, clusterManager))
                .compose(vertx -> deploy(vertx, new TimebaseVerticle(clock, auth), new JsonObject())
                        .compose(v -> roles.contains("discipline")
                                ? deploy(vertx, new DisciplineVerticle(clock, auth, precision), config.disciplineConfig())
                                : Future.succeededFuture())
                        .compose(v -> roles.contains("selector")
                                ? deploy(vertx, new SelectorVerticle(clock, auth, precision), config.selectorConfig())
                                : Future.succeededFuture())
                        .compose(v -> api != null ? deploy(vertx, api, config.apiConfig()) : Future.succeededFuture())
                        .compose(v -> ntp != null ? deployNtp(vertx, ntp, ntpConfig, () -> {
                            NtpServerVerticle more = new NtpServerVerticle(clock, reader, precision, ntsKeys);
                            ntpInstances.add(more);
                            return more;
                        }, api.eventLoop()) : Future.succeededFuture())
                        .compose(v -> nts == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
                            ntsKe[0] = NtsKeServer.start(ntp.host(), nts.kePort(), nts.certificate(), nts.key(), ntsKeys,
                                    clock, nts.ntpServer(), ntp.port());
                            return null;
                        }).recover(e -> Future.failedFuture(new IllegalStateException("NTS-KE (TCP) listener on "
                                + ntp.host() + ":" + nts.kePort() + ": " + e.getMessage(), e)))
                                .compose(started -> config.clustered() && clusterKey != null
                                        ? NtsKeyShare.start(vertx, auth, clusterKey, ntsKeys, nts.keyRotationSeconds() * 1_000)
                                        : Future.succeededFuture()))
                        .compose(v -> roles.contains("sampler")
                                ? deploy(vertx, new SamplerVerticle(clock, auth, precision, resolver), config.samplerConfig())
                                : Future.succeededFuture())
                        .map(v -> new TimemeshNode(vertx, api, ntp, List.copyOf(ntpInstances), ntsKe[0]))
                        .recover(e -> {
                            if (ntsKe[0] != null) {
                                ntsKe[0].close();
                            }
                            // Not waiting for the close: it stops the event loop this runs on, so its
                            // completion is never delivered and the start would hang instead of failing.
                            vertx.close();
                            return Future.failedFuture(e);
                        }));
    }

    /**
     * Why the Hazelcast member did not start, named as the other listeners are: "Hazelcast listener on
     * host:port: ...", with what to do when another program holds the port.
     */
    private static IllegalStateException hazelcastFailure(Config hazelcast, Throwable e) {
        NetworkConfig network = hazelcast.getNetworkConfig();
        String host = network.getInterfaces().isEnabled() && !network.getInterfaces().getInterfaces().isEmpty()
                ? network.getInterfaces().getInterfaces().iterator().next() : "0.0.0.0";
        String where = "Hazelcast listener on " + host + ":" + network.getPort();
        String message = String.valueOf(e.getMessage());
        return new IllegalStateException(message.contains("already in use")
                ? where + ": address already in use (another program holds it: stop it, or choose another port with"
                        + " --cluster-port or cluster.port)"
                : where + ": " + message, e);
    }

    /** {@code timemesh_mesh_rejected_total{channel, reason}}: messages and map values refused, see {@link MeshAuth}. */
    private static Counter rejected(MeterRegistry registry, String channel, MeshAuth.Rejection reason) {
        return Counter.builder("timemesh.mesh.rejected")
                .description("Cluster messages and map values refused: not sealed under the cluster key, replayed, "
                        + "or from a deposed or rival selector")
                .tags("channel", channel, "reason", reason.label()).register(registry);
    }

    /**
     * Publishes {@link EventBusAddresses#MEMBERS_CHANGED} node-locally whenever a member joins this
     * member's view or this member merges back after a split (Hazelcast's callbacks run on its threads;
     * the event bus hops onto the consumers' contexts).
     */
    private static void tellMembershipChanges(Vertx vertx, HazelcastClusterManager clusterManager) {
        DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
        var hazelcast = clusterManager.getHazelcastInstance();
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                vertx.eventBus().publish(EventBusAddresses.MEMBERS_CHANGED, event.getMember().getUuid().toString(), local);
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                // a departed member has nothing to learn
            }
        });
        hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                vertx.eventBus().publish(EventBusAddresses.MEMBERS_CHANGED, "merged", local);
            }
        });
    }

    /**
     * A cluster's members share the key file's key; a single node makes a key nobody else knows, so its
     * loopback member takes nothing from anyone; an explicitly insecure cluster seals nothing.
     */
    private static MeshAuth meshAuth(NodeConfig config, ClusterKey key, TimeSource clock) {
        return key == null ? MeshAuth.insecure(config.nodeName(), clock) : MeshAuth.keyed(config.nodeName(), key, clock);
    }

    /** The cluster's key: a random one for a node of its own, none for an insecure cluster. */
    private static ClusterKey clusterKey(NodeConfig config) {
        if (!config.clustered()) {
            return ClusterKey.random();
        }
        Path keyFile = config.clusterKeyFile();
        return keyFile == null ? null : ClusterKey.read(keyFile);
    }

    private static MicrometerMetricsOptions metricsOptions(NodeConfig config) {
        MicrometerMetricsOptions options = new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true);
        return config.httpMetrics() ? options : options.addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER);
    }

    /** 32 random bits: two processes of one name meeting the same incarnation is left to chance of 2^-32. */
    private static String incarnation() {
        return String.format("%08x", new SecureRandom().nextInt());
    }

    private static Config hazelcast(NodeConfig config) {
        if (!config.clustered()) {
            return ClusterConfigs.loopback(config.clusterName(), List.of());
        }
        JsonObject cluster = config.cluster();
        if (cluster.containsKey("hazelcastConfig")) {
            return ClusterConfigs.fromFile(Path.of(cluster.getString("hazelcastConfig")));
        }
        List<String> members = cluster.getJsonArray("members", new JsonArray()).stream().map(String::valueOf).toList();
        return ClusterConfigs.tcpIp(config.clusterName(), cluster.getString("host", "127.0.0.1"),
                cluster.getInteger("port", 5701), members.isEmpty() ? List.of(cluster.getString("host", "127.0.0.1")) : members);
    }

    /**
     * The NTP server: one instance per core on the port the first one bound, when the transport can
     * share a port (epoll's SO_REUSEPORT) and no rate limit needs one table, so replies are not
     * limited to one event loop. No instance shares the HTTP API's event loop, so that a flood of
     * either cannot starve the other.
     */
    private static Future<String> deployNtp(Vertx vertx, NtpServerVerticle first, JsonObject config,
                                            Supplier<NtpServerVerticle> more, Thread apiLoop) {
        int extra = vertx.isNativeTransportEnabled() && NtpServerVerticle.shareable(config)
                ? Runtime.getRuntime().availableProcessors() - 1 : 0;
        return offLoop(vertx, first, config, apiLoop, VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE).compose(id -> {
            JsonObject joining = config.copy().put("ntpPort", first.port()).put("ntpHost", first.host())
                    .put(NtpServerVerticle.JOINS_PORT, true);
            Future<String> deployed = Future.succeededFuture(id);
            for (int i = 0; i < extra; i++) {
                deployed = deployed.compose(v -> offLoop(vertx, more.get(), joining, apiLoop,
                        VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE));
            }
            return deployed;
        });
    }

    /** Deploys it again while it lands on {@code apiLoop}: Vert.x hands event loops out in turn. */
    private static Future<String> offLoop(Vertx vertx, NtpServerVerticle ntp, JsonObject config, Thread apiLoop,
                                          int tries) {
        return deploy(vertx, ntp, config).compose(id -> ntp.eventLoop() != apiLoop || tries <= 1
                ? Future.succeededFuture(id)
                : vertx.undeploy(id).compose(v -> offLoop(vertx, ntp, config, apiLoop, tries - 1)));
    }

    private static Future<String> deploy(Vertx vertx, Deployable verticle, JsonObject config) {
        return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config));
    }

    /** The HTTP port, or -1 on a node without the api role. */
    public int httpPort() {
        return api == null ? -1 : api.httpPort();
    }

    /** The NTS-KE port, or -1 when the node does not serve NTS. */
    public int ntsKePort() {
        return ntsKe == null ? -1 : ntsKe.port();
    }

    /** The NTP port, or -1 without an NTP server. */
    public int ntpPort() {
        return ntp == null ? -1 : ntp.port();
    }

    public Vertx vertx() {
        return vertx;
    }

    /** Whether some NTP server instance answers on the HTTP API's event loop (it should not: see deployNtp). */
    boolean ntpSharesHttpEventLoop() {
        return ntpInstances.stream().anyMatch(instance -> instance.eventLoop() == api.eventLoop());
    }

    /** Undeploys everything and leaves the cluster; the selector's lock is released on the way. */
    public Future<Void> stop() {
        if (ntsKe != null) {
            ntsKe.close();
        }
        return vertx.close();
    }
}
