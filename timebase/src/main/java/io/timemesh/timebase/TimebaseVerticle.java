package io.timemesh.timebase;

import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.time.TimeSource;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/**
 * Answers four-timestamp probes on {@code timemesh.timebase.<node>}: T2 is read first thing on
 * receipt, T3 last thing before the reply, both on this node's local timescale. Every node runs one,
 * whatever its roles, so any node can relate its clock to any other's. The reply is sealed by
 * {@link MeshAuth} and carries the probe's nonce, so nobody else can answer for this node and an
 * old answer cannot be played back.
 */
public final class TimebaseVerticle extends VerticleBase {
    private final TimeSource clock;
    private final String node;
    private final MeshAuth auth;

    /**
     * @param clock this node's local timescale
     * @param auth  seals the replies as this node
     */
    public TimebaseVerticle(TimeSource clock, MeshAuth auth) {
        this.clock = clock;
        this.node = auth.node();
        this.auth = auth;
    }

    @Override
    public Future<?> start() {
        String address = EventBusAddresses.timebase(node);
        return vertx.eventBus().<Object>consumer(address, message -> {
            long t2 = clock.nowNanos();
            Optional<Long> nonce = message.body() instanceof JsonObject probe && probe.getValue("nonce") instanceof Number n
                    ? Optional.of(n.longValue()) : Optional.empty();
            if (nonce.isEmpty()) {
                return; // not a probe of ours: the asker times out
            }
            JsonObject reply = new JsonObject().put("node", node).put("nonce", nonce.get()).put("t2", t2);
            message.reply(auth.seal(address, reply.put("t3", clock.nowNanos())));
        }).completion();
    }
}
