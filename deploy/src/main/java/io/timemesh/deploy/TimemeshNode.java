package io.timemesh.deploy;

import io.timemesh.api.ApiVerticle;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.core.time.TimeSource;
import io.timemesh.discipline.DisciplineVerticle;
import io.timemesh.sampler.HostResolver;
import io.timemesh.sampler.SamplerVerticle;
import io.timemesh.selector.SelectorVerticle;
import io.timemesh.timebase.TimebaseVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;

/**
 * One timemesh node: a clustered Vert.x (an embedded Hazelcast member on loopback by default) with
 * the discipline, selector, API and sampler verticles. The verticles talk only over the event bus,
 * so the same assembly runs one node or many.
 */
public final class TimemeshNode {
    private final Vertx vertx;
    private final ApiVerticle api;

    private TimemeshNode(Vertx vertx, ApiVerticle api) {
        this.vertx = vertx;
        this.api = api;
    }

    public static Future<TimemeshNode> start(NodeConfig config) {
        return start(config, new MonotonicTimescale(), HostResolver.SYSTEM);
    }

    /**
     * @param clock    the node's local timescale (tests share it with their simulated servers)
     * @param resolver how the sampler resolves source names
     */
    public static Future<TimemeshNode> start(NodeConfig config, TimeSource clock, HostResolver resolver) {
        VertxOptions options = new VertxOptions()
                .setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0));
        int precision = MonotonicTimescale.measurePrecisionLog2();
        ApiVerticle api = new ApiVerticle(clock, new MonotonicReader());
        return Vertx.builder().with(options)
                .withClusterManager(new HazelcastClusterManager(ClusterConfigs.loopback(config.clusterName(), List.of())))
                .buildClustered()
                .compose(vertx -> deploy(vertx, new TimebaseVerticle(clock, config.nodeName()), new JsonObject())
                        .compose(v -> deploy(vertx, new DisciplineVerticle(clock, config.nodeName(), precision),
                                config.disciplineConfig()))
                        .compose(v -> deploy(vertx, new SelectorVerticle(clock, precision), config.selectorConfig()))
                        .compose(v -> deploy(vertx, api, config.apiConfig()))
                        .compose(v -> deploy(vertx, new SamplerVerticle(clock, precision, resolver),
                                config.samplerConfig()))
                        .map(v -> new TimemeshNode(vertx, api))
                        .recover(e -> vertx.close().transform(closed -> Future.failedFuture(e))));
    }

    private static Future<String> deploy(Vertx vertx, Deployable verticle, JsonObject config) {
        return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config));
    }

    public int httpPort() {
        return api.httpPort();
    }

    public Vertx vertx() {
        return vertx;
    }

    /** Undeploys everything and leaves the cluster; the selector's lock is released on the way. */
    public Future<Void> stop() {
        return vertx.close();
    }
}
