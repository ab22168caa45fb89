package io.timemesh.timebase;

import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.time.TimeSource;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * Answers four-timestamp probes on {@code timemesh.timebase.<node>}: T2 is read first thing on
 * receipt, T3 last thing before the reply, both on this node's local timescale. Every node runs one,
 * whatever its roles, so any node can relate its clock to any other's.
 */
public final class TimebaseVerticle extends VerticleBase {
    private final TimeSource clock;
    private final String node;

    public TimebaseVerticle(TimeSource clock, String node) {
        this.clock = clock;
        this.node = node;
    }

    @Override
    public Future<?> start() {
        return vertx.eventBus().<JsonObject>consumer(EventBusAddresses.timebase(node), message -> {
            long t2 = clock.nowNanos();
            JsonObject reply = new JsonObject().put("node", node).put("t2", t2);
            message.reply(reply.put("t3", clock.nowNanos()));
        }).completion();
    }
}
