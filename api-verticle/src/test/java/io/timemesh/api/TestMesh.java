package io.timemesh.api;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.time.ManualTimeSource;
import io.timemesh.core.time.TimeSource;
import io.timemesh.timebase.MeshAuth;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/** The cluster key a test's API shares with its fake selector, and that selector's sealed answers. */
final class TestMesh {
    static final ClusterKey KEY = ClusterKey.random();
    private static final MeshAuth SELECTOR = MeshAuth.keyed("node-s", KEY, new ManualTimeSource(0));

    private TestMesh() {}

    /** The API node's authentication under the test's key. */
    static MeshAuth node(TimeSource clock) {
        return MeshAuth.keyed("api-node", KEY, clock);
    }

    /** The body of a sealed request, unchecked (the fake selector trusts its one asker). */
    static JsonObject request(Message<JsonObject> m) {
        return new JsonObject(m.body().getString("body"));
    }

    /** Answers {@code m} as an active selector does: sealed, {@code {"nonce": the request's, "answer": ...}}. */
    static void answer(Message<JsonObject> m, Object answer) {
        m.reply(SELECTOR.seal(m.address(), new JsonObject().put("nonce", request(m).getValue("nonce")).put("answer", answer)));
    }
}
