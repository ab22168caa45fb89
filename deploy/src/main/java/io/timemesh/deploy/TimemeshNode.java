package io.timemesh.deploy;

import io.timemesh.api.ApiVerticle;
import io.timemesh.api.HttpRequestMeters;
import io.timemesh.api.NtpServerVerticle;
import io.timemesh.api.nts.NtsKeServer;
import io.timemesh.api.NtpServerSettings;
import io.timemesh.api.nts.NtsServerSettings;
import io.timemesh.core.settings.Settings;
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
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.LifecycleEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.jackson.DatabindCodec;
import io.timemesh.core.metrics.NodeCounters;
import java.util.UUID;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One timemesh node: a Vert.x (clustered over Hazelcast when configured as a cluster member) with
 * the discipline, selector, API and sampler verticles. The verticles talk only over the event bus,
 * so the same assembly runs one node or many.
 */
public final class TimemeshNode {
    private final Vertx vertx;
    /** Whether the node built its Vert.x and so closes it, or was deployed into a caller's. */
    private final boolean ownsVertx;
    private final ApiVerticle api;
    private final NtpServerVerticle ntp;
    /** Every NTP server instance, the first included. */
    private final List<NtpServerVerticle> ntpInstances;
    private final Deployments deployments;
    /** The NTS-KE server, or null when the node does not serve NTS. */
    private final NtsKeServer ntsKe;

    private TimemeshNode(Vertx vertx, boolean ownsVertx, ApiVerticle api, NtpServerVerticle ntp,
                         List<NtpServerVerticle> ntpInstances, Deployments deployments, NtsKeServer ntsKe) {
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.api = api;
        this.ntp = ntp;
        this.ntpInstances = ntpInstances;
        this.deployments = deployments;
        this.ntsKe = ntsKe;
    }

    public static Future<TimemeshNode> start(NodeConfig config) {
        return start(config, new MonotonicTimescale(), HostResolver.SYSTEM);
    }

    /**
     * Builds the node's own Vert.x (Vert.x's metrics in the node's registry) and deploys the node into it;
     * {@link #stop()} closes it. A node with a {@code cluster} section gets a clustered Vert.x, Hazelcast as the
     * section says; a single node gets a Vert.x without a cluster: it has no peer to share with, its key is its
     * own, and an embedded Hazelcast member would cost it a third of its memory (issue 14: 5,000 classes, 46
     * threads, 161 against 106 MiB resident idle; README, "Memory and JVM options").
     *
     * @param clock    the node's local timescale (tests share it with their simulated servers)
     * @param resolver how the sampler resolves source names
     * @return the started node; a failure (a port taken, bad config) after the Vert.x is closed again
     */
    public static Future<TimemeshNode> start(NodeConfig named, TimeSource clock, HostResolver resolver) {
        fastDoubles();
        NodeConfig config = incarnate(named);
        ClusterSettings cluster = config.cluster();
        PrometheusMeterRegistry registry = NodeMetrics.registry(BuildInfo.current());
        VertxOptions options = new VertxOptions().setPreferNativeTransport(true).setEventBusOptions(cluster.eventBus())
                .setMetricsOptions(metricsOptions(config));
        var builder = Vertx.builder().with(options).withMetrics(HttpRequestMeters.factory(registry));
        Future<Vertx> built;
        if (config.clustered()) {
            Config hazelcast = hazelcast(config);
            built = builder.withClusterManager(new HazelcastClusterManager(hazelcast)).buildClustered()
                    .recover(e -> Future.failedFuture(hazelcastFailure(hazelcast, e)));
        } else {
            built = Future.succeededFuture(builder.build());
        }
        return built
                .compose(vertx -> assemble(vertx, true, config, registry, clock, resolver).recover(e -> {
                    // Not waiting for the close: it stops the event loop this runs on, so its
                    // completion is never delivered and the start would hang instead of failing.
                    vertx.close();
                    return Future.failedFuture(e);
                }));
    }

    /**
     * Deploys a node into the caller's {@link Vertx}, for a service that already runs a clustered Vert.x
     * and wants timemesh's roles in it rather than a second Hazelcast member in the same process. Its
     * cluster is then the caller's. A {@code cluster} section in {@code config} with {@code keyFile} (or
     * {@code insecure}) makes the node a member sealing what it says with the key all members share; the
     * section's other settings (members, ports, Hazelcast file) are not used, and without it the node is a
     * single node with a key of its own; event-bus TLS is the caller's {@code EventBusOptions}, not
     * {@code cluster.tls}. Hazelcast's failure detection is the caller's configuration (it
     * decides how fast a dead member is noticed, and so how fast a selector is replaced). Vert.x's own HTTP,
     * event-bus and JVM metrics are the caller's affair; {@code /metrics} serves the node's own series.
     *
     * @param vertx  the caller's Vert.x; the node's verticles are deployed into it and undeployed by
     *               {@link #stop()}, which leaves it running
     * @param config the node's settings (roles, sources, ports, …) as for {@link #start(NodeConfig)}
     * @return the deployed node; a failure after whatever was deployed is undeployed again
     */
    public static Future<TimemeshNode> deploy(Vertx vertx, NodeConfig config) {
        return deploy(vertx, config, new MonotonicTimescale(), HostResolver.SYSTEM);
    }

    /** {@link #deploy(Vertx, NodeConfig)} with the node's timescale and name resolution given, as for tests. */
    public static Future<TimemeshNode> deploy(Vertx vertx, NodeConfig named, TimeSource clock, HostResolver resolver) {
        PrometheusMeterRegistry registry = NodeMetrics.registry(BuildInfo.current());
        return assemble(vertx, false, incarnate(named), registry, clock, resolver);
    }

    /**
     * Each process is a new clock (its timescale is anchored anew at start), so it runs under its own
     * incarnation: nothing measured against a previous process of the same name is taken as ours.
     */
    private static NodeConfig incarnate(NodeConfig named) {
        return named.named(named.nodeName() + "/" + incarnation());
    }

    /** Deploys the roles {@code config} names into {@code vertx}; undeploys them again when one fails. */
    private static Future<TimemeshNode> assemble(Vertx vertx, boolean ownsVertx, NodeConfig config,
                                                 PrometheusMeterRegistry registry, TimeSource clock,
                                                 HostResolver resolver) {
        int precision = MonotonicTimescale.measurePrecisionLog2();
        ClusterKey clusterKey = clusterKey(config);
        MeshAuth auth = meshAuth(config, clusterKey, clock);
        auth.onRejection((channel, reason) -> rejected(registry, channel, reason).increment());
        // The references' series exist from the start, at 0, so that alerts on them have something to read.
        for (MeshAuth.Rejection reason : MeshAuth.Rejection.values()) {
            if (reason != MeshAuth.Rejection.UNANSWERED) {
                rejected(registry, EventBusAddresses.REFERENCE, reason);
            }
        }
        rejected(registry, EventBusAddresses.TIMEBASE_PREFIX + "*", MeshAuth.Rejection.UNANSWERED);
        NodeCounters counters = new MicrometerCounters(registry);
        List<Role> roles = config.roles();
        MonotonicReader reader = new MonotonicReader(); // one per node: HTTP, event bus and NTP serve one time
        ApiVerticle api = roles.contains(Role.API) ? new ApiVerticle(clock, reader, auth, registry) : null;
        NtpServerSettings ntpConfig = roles.contains(Role.API) ? config.ntp() : null;
        NtsServerSettings nts = ntpConfig == null ? null : config.settings().ntsServer();
        // One set of cookie keys for the node's NTS-KE server and every NTP server instance.
        NtsServerKeys ntsKeys = nts == null ? null
                : new NtsServerKeys(new SecureRandom(), nts.keyRotationSeconds() * 1_000_000_000L, clock.nowNanos());
        NtpServerVerticle ntp = ntpConfig == null ? null
                : new NtpServerVerticle(clock, reader, precision, ntsKeys, counters);
        NtsKeServer[] ntsKe = new NtsKeServer[1];
        List<NtpServerVerticle> ntpInstances = new ArrayList<>(ntp == null ? List.of() : List.of(ntp));
        Deployments deployed = new Deployments(vertx);
        deployed.removals.add(tellMembershipChanges(vertx));
        return deployed.add(new TimebaseVerticle(clock, auth), new JsonObject())
                .compose(v -> roles.contains(Role.DISCIPLINE)
                        ? deployed.add(new DisciplineVerticle(clock, auth, precision, counters), config.discipline())
                        : Future.succeededFuture())
                .compose(v -> roles.contains(Role.SELECTOR)
                        ? deployed.add(new SelectorVerticle(clock, auth, precision, counters), config.selector())
                        : Future.succeededFuture())
                .compose(v -> api != null ? deployed.addServing(api, config.api()) : Future.succeededFuture())
                .compose(v -> ntp != null ? deployNtp(deployed, ntp, ntpConfig, () -> {
                    NtpServerVerticle more = new NtpServerVerticle(clock, reader, precision, ntsKeys, counters);
                    ntpInstances.add(more);
                    return more;
                }) : Future.succeededFuture())
                .compose(v -> nts == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
                    ntsKe[0] = NtsKeServer.start(ntp.host(), nts.kePort(), nts.certificate(), nts.key(), ntsKeys,
                            clock, nts.ntpServer(), ntp.port());
                    return null;
                }).recover(e -> Future.failedFuture(new IllegalStateException("NTS-KE (TCP) listener on "
                        + ntp.host() + ":" + nts.kePort() + ": " + e.getMessage(), e)))
                        .compose(started -> config.clustered() && clusterKey != null
                                ? NtsKeyShare.start(vertx, auth, clusterKey, ntsKeys, nts.keyRotationSeconds() * 1_000)
                                : Future.succeededFuture()))
                .compose(v -> roles.contains(Role.SAMPLER)
                        ? deployed.add(new SamplerVerticle(clock, auth, precision, resolver, counters),
                                config.sampler())
                        : Future.succeededFuture())
                .map(v -> new TimemeshNode(vertx, ownsVertx, api, ntp, List.copyOf(ntpInstances), deployed, ntsKe[0]))
                .recover(e -> {
                    if (ntsKe[0] != null) {
                        ntsKe[0].close();
                    }
                    return ownsVertx ? Future.failedFuture(e)
                            : deployed.undeployAll().transform(undeployed -> Future.<TimemeshNode>failedFuture(e));
                });
    }

    /**
     * The node's deployments, newest last, and the Hazelcast listeners it added: what {@link #stop()} takes
     * away again from a Vert.x the node does not own.
     */
    private static final class Deployments {
        private final Vertx vertx;
        private final List<String> ids = new ArrayList<>();
        /** The API and NTP servers' deployments (also in {@link #ids}): they consume the discipline's clock. */
        private final List<String> serving = new ArrayList<>();
        private final List<Runnable> removals = new ArrayList<>();

        Deployments(Vertx vertx) {
            this.vertx = vertx;
        }

        /** Deploys {@code verticle} with its settings as its deployment config (their JSON, which it binds back). */
        Future<String> add(Deployable verticle, Record settings) {
            return add(verticle, new JsonObject(Settings.json(settings)));
        }

        Future<String> add(Deployable verticle, JsonObject config) {
            return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)).onSuccess(ids::add);
        }

        /** As {@link #add(Deployable, Record)}, for a server of the clock: undeployed after the rest. */
        Future<String> addServing(Deployable verticle, Record settings) {
            return add(verticle, settings).onSuccess(serving::add);
        }

        Future<Void> remove(String id) {
            ids.remove(id);
            return vertx.undeploy(id);
        }

        /**
         * Each verticle after those that send to it: newest first, so the sampler stops before the selector and the
         * discipline it feeds, and the API and NTP servers last, after the discipline whose clock they take (stopped
         * before it, one of them could be handed a clock message after its consumer went, which Vert.x logs as a
         * warning).
         */
        Future<Void> undeployAll() {
            removals.forEach(Runnable::run);
            removals.clear();
            List<String> order = new ArrayList<>();
            for (int i = ids.size() - 1; i >= 0; i--) {
                if (!serving.contains(ids.get(i))) {
                    order.add(ids.get(i));
                }
            }
            for (int i = serving.size() - 1; i >= 0; i--) {
                order.add(serving.get(i));
            }
            Future<Void> all = Future.succeededFuture();
            for (String id : order) {
                all = all.eventually(() -> vertx.undeploy(id));
            }
            ids.clear();
            serving.clear();
            return all;
        }
    }

    /**
     * Doubles are most of what the node writes and reads as JSON (samples, references, source views: a
     * tenth of a node's CPU at a thousand sources a second went to formatting and parsing them). jackson-core's
     * own Schubfach writer and FastDoubleParser give the same values (shortest text that reads back exactly,
     * correctly rounded reading) a few times faster than the JDK's. Set on Vert.x's one mapper, for the process.
     */
    private static void fastDoubles() {
        ObjectMapper mapper = DatabindCodec.mapper();
        mapper.configure(JsonGenerator.Feature.USE_FAST_DOUBLE_WRITER, true);
        mapper.configure(JsonParser.Feature.USE_FAST_DOUBLE_PARSER, true);
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
                        + "or from a deposed or rival selector; and our timebase probes left unanswered")
                .tags("channel", channel, "reason", reason.label()).register(registry);
    }

    /**
     * The member attribute under which HazelcastClusterManager keeps a member's Vert.x node id (its own,
     * private name). Read from Hazelcast's events: the cluster manager's one NodeListener slot is HA's.
     */
    private static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";

    /**
     * Publishes {@link EventBusAddresses#MEMBERS_CHANGED} node-locally whenever a member joins this
     * member's view or this member merges back after a split, and {@link EventBusAddresses#MEMBER_LEFT}
     * when one leaves it (Hazelcast's callbacks run on its threads; the event bus hops onto the consumers'
     * contexts).
     *
     * @return what stops telling them; does nothing on a Vert.x without a cluster (no member ever joins)
     */
    static Runnable tellMembershipChanges(Vertx vertx) {
        if (!(((VertxInternal) vertx).clusterManager() instanceof HazelcastClusterManager clusterManager)) {
            return () -> {};
        }
        DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
        var hazelcast = clusterManager.getHazelcastInstance();
        UUID membership = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                vertx.eventBus().publish(EventBusAddresses.MEMBERS_CHANGED, event.getMember().getUuid().toString(), local);
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                // The samplers re-check that member's leases at once rather than wait for them to lapse. They
                // know a member by its Vert.x node id, which the cluster manager keeps as a member attribute.
                String nodeId = event.getMember().getAttribute(VERTX_NODE_ID_ATTRIBUTE);
                if (nodeId != null) {
                    vertx.eventBus().publish(EventBusAddresses.MEMBER_LEFT, nodeId, local);
                }
            }
        });
        UUID lifecycle = hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                vertx.eventBus().publish(EventBusAddresses.MEMBERS_CHANGED, "merged", local);
            }
        });
        return () -> {
            hazelcast.getCluster().removeMembershipListener(membership);
            hazelcast.getLifecycleService().removeLifecycleListener(lifecycle);
        };
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
        Path keyFile = config.cluster().keyFile();
        return keyFile == null ? null : ClusterKey.read(keyFile);
    }

    private static MicrometerMetricsOptions metricsOptions(NodeConfig config) {
        MicrometerMetricsOptions options = new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true);
        return config.settings().httpMetrics() ? options : options.addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER);
    }

    /** 32 random bits: two processes of one name meeting the same incarnation is left to chance of 2^-32. */
    private static String incarnation() {
        return String.format("%08x", new SecureRandom().nextInt());
    }

    private static Config hazelcast(NodeConfig config) {
        ClusterSettings cluster = config.cluster();
        if (cluster.hazelcastConfig() != null) {
            return ClusterConfigs.fromFile(cluster.hazelcastConfig());
        }
        return ClusterConfigs.tcpIp(config.clusterName(), cluster.host(), cluster.port(),
                cluster.members().isEmpty() ? List.of(cluster.host()) : cluster.members());
    }

    /**
     * The NTP server: one instance per two cores (at least one) on the port the first one bound, each reading on a
     * thread of its own, when no rate limit needs one table and the platform shares ports (SO_REUSEPORT); else one. Not one per core: on loopback the
     * kernel's work per datagram (delivery, wake-ups) is most of a reply's cost and needs the other cores; on 2 cores
     * at 50,000 requests/s one instance cost 1.11× chronyd's CPU per reply where two cost 1.41× (bench/ntp-cost.sh,
     * issue 14, when instances still ran on event loops).
     */
    private static Future<String> deployNtp(Deployments deployed, NtpServerVerticle first, NtpServerSettings config,
                                            Supplier<NtpServerVerticle> more) {
        return deployed.addServing(first, config).compose(id -> {
            int extra = first.sharesPort() ? Math.max(1, Runtime.getRuntime().availableProcessors() / 2) - 1 : 0;
            NtpServerSettings joining = config.joining(first.port(), first.host());
            Future<String> instances = Future.succeededFuture(id);
            for (int i = 0; i < extra; i++) {
                instances = instances.compose(v -> deployed.addServing(more.get(), joining));
            }
            return instances;
        });
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

    /** The threads the NTP server instances answer on. */
    List<Thread> ntpServingThreads() {
        return ntpInstances.stream().map(NtpServerVerticle::servingThread).toList();
    }

    /**
     * Undeploys everything (the selector's lease is released on the way) and, for a node that built its
     * Vert.x, closes it and so leaves the cluster; a caller's Vert.x keeps running.
     */
    public Future<Void> stop() {
        if (ntsKe != null) {
            ntsKe.close();
        }
        // Undeployed in order first: Vert.x's close would undeploy them in an order of its own.
        return ownsVertx ? deployments.undeployAll().eventually(vertx::close) : deployments.undeployAll();
    }
}
