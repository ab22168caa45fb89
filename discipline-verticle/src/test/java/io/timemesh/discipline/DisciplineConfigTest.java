package io.timemesh.discipline;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.testkit.CountingCounters;
import io.timemesh.timebase.MeshAuth;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The verticle binds its deployment JSON with the node's binder: a bad or unknown key fails the deployment by name. */
class DisciplineConfigTest {
    private final MonotonicTimescale clock = new MonotonicTimescale();
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private void deploy(JsonObject config) {
        MeshAuth auth = MeshAuth.keyed("node", ClusterKey.random(), clock);
        vertx.deployVerticle(new DisciplineVerticle(clock, auth, -20, new CountingCounters()),
                new DeploymentOptions().setConfig(config)).await();
    }

    @Test
    void aBadOrUnknownKeyFailsTheDeploymentNamingTheKey() {
        assertThatThrownBy(() -> deploy(new JsonObject().put("maxDriftPpm", -1)))
                .hasMessage("discipline config: 'maxDriftPpm' must be a number from 0 to 100000, was -1");
        assertThatThrownBy(() -> deploy(new JsonObject().put("maxDrift", 1.5e-5)))
                .hasMessageStartingWith("discipline config: unknown config key 'maxDrift'; known: [convergenceStepSeconds,");
    }
}
