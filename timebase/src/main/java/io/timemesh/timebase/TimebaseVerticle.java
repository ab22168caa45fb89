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
 * whatever its roles, so any node can relate its clock to any other's. Probes are sealed by the asker
 * and answered only if genuine and fresh (so no outsider can make a node work for it); the reply is
 * sealed by {@link MeshAuth} and carries the probe's nonce, so nobody else can answer for this node
 * and an old answer cannot be played back.
 */
public final class TimebaseVerticle extends VerticleBase {
    /**
     * Probes from one node may come out of order: every verticle of a node that measures links probes
     * on its own, and each seals as it sends. The reply is bound to the probe's nonce either way.
     */
    private static final int PROBE_WINDOW = 64;
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
        MeshAuth.Inbox probes = auth.inbox(address, EventBusAddresses.TIMEBASE_PREFIX + "*", PROBE_WINDOW);
        return vertx.eventBus().<Object>consumer(address, message -> {
            long t2 = clock.nowNanos();
            Optional<Long> nonce = probes.open(message.body()).map(MeshAuth.Opened::body)
                    .filter(probe -> probe.getValue("nonce") instanceof Number).map(probe -> probe.getLong("nonce"));
            if (nonce.isEmpty()) {
                return; // not a genuine, fresh probe (refused and counted): the asker times out
            }
            JsonObject reply = new JsonObject().put("node", node).put("nonce", nonce.get()).put("t2", t2);
            message.reply(auth.seal(address, reply.put("t3", clock.nowNanos())));
        }).completion();
    }
}
