package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.ServerBehaviour.Fault;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fault scenarios against one node and simulated servers, each watched for the four promises: the
 * bound holds, the status is honest, time never runs backwards, and every request is answered.
 */
@Tag("slow")
class FaultScenariosTest {

    private final MeshFixture mesh = new MeshFixture();

    @AfterEach
    void stop() {
        mesh.close();
    }

    /** Five truthful servers on asymmetric paths, synchronised. */
    private void fiveTruthfulSynchronised(String prefix) throws Exception {
        mesh.server(prefix + "1", MeshFixture.truthful(6, 2));
        mesh.server(prefix + "2", MeshFixture.truthful(2, 6));
        mesh.server(prefix + "3", MeshFixture.truthful(4, 3));
        mesh.server(prefix + "4", MeshFixture.truthful(3, 4));
        mesh.server(prefix + "5", MeshFixture.truthful(1, 1));
        mesh.startNode("faults", new JsonObject());
        assertThat(mesh.awaitStatus("SYNCHRONIZED", Duration.ofSeconds(20)).status()).isEqualTo("SYNCHRONIZED");
    }

    private static void assertKept(PromiseWatch watch) {
        assertThat(watch.violations).as("%d answers", watch.answers).isEmpty();
        assertThat(watch.answers).isGreaterThan(20);
    }

    @Test
    void flappingReachabilityKeepsAMajorityAndThePromises() throws Exception {
        fiveTruthfulSynchronised("127.0.7.");
        PromiseWatch watch = new PromiseWatch(mesh);
        for (int flap = 0; flap < 6; flap++) {
            Fault fault = flap % 2 == 0 ? Fault.SILENT : Fault.NONE;
            for (SimulatedNtpServer flapping : mesh.servers.subList(3, 5)) {
                flapping.behaviour(flapping.behaviour().withFault(fault));
            }
            watch.watch(2);
        }
        assertKept(watch);
        assertThat(watch.statuses).containsExactly("SYNCHRONIZED"); // three always answer: a majority throughout
    }

    @Test
    void losingTheMajorityMeansHoldoverNeverAFalseSynchronized() throws Exception {
        fiveTruthfulSynchronised("127.0.8.");
        // Two servers start agreeing on a lie and one falls silent: 2 truthful against 2 liars.
        mesh.servers.get(0).behaviour(mesh.servers.get(0).behaviour().withOffset(1.2));
        mesh.servers.get(1).behaviour(mesh.servers.get(1).behaviour().withOffset(1.2));
        mesh.servers.get(2).behaviour(mesh.servers.get(2).behaviour().withFault(Fault.SILENT));
        MeshFixture.Answer holdover = mesh.awaitStatus("HOLDOVER", Duration.ofSeconds(15));
        assertThat(holdover.status()).isEqualTo("HOLDOVER");
        PromiseWatch watch = new PromiseWatch(mesh);
        watch.noMajorityFromNow();
        watch.watch(6);
        assertKept(watch);
        assertThat(watch.statuses).containsExactly("HOLDOVER");
    }

    @Test
    void aLiarDriftingAwaySlowlyBecomesAFalsetickerWhileTimeStaysTrue() throws Exception {
        mesh.server("127.0.9.1", MeshFixture.truthful(3, 2));
        mesh.server("127.0.9.2", MeshFixture.truthful(2, 3));
        mesh.server("127.0.9.3", MeshFixture.truthful(4, 1));
        mesh.server("127.0.9.4", MeshFixture.truthful(1, 4));
        // Starts true, then walks away at 2,000 ppm: 2 ms further every second.
        SimulatedNtpServer drifter = mesh.server("127.0.9.5", MeshFixture.truthful(2, 2).withDrift(2_000));
        mesh.startNode("drift", new JsonObject());
        PromiseWatch watch = new PromiseWatch(mesh);
        watch.watch(16);
        assertKept(watch);
        // By 16 s it is 32 ms away; a loaded machine's late start may leave the verdict a selection or two later.
        assertThat(mesh.awaitState(drifter, "falseticker", Duration.ofSeconds(10))).isEqualTo("falseticker");
        assertThat(mesh.awaitStatus("SYNCHRONIZED", Duration.ofSeconds(10)).status()).isEqualTo("SYNCHRONIZED");
    }

    @Test
    void aServerSteppingBySecondIsOutvoted() throws Exception {
        fiveTruthfulSynchronised("127.0.10.");
        SimulatedNtpServer stepper = mesh.servers.get(4);
        stepper.behaviour(stepper.behaviour().withOffset(1.3));
        PromiseWatch watch = new PromiseWatch(mesh);
        // Its clock filter may keep a pre-step sample of lower delay for up to eight polls (eight
        // seconds); the time served is true throughout, and the stepped source is out once it shows.
        watch.watch(10);
        assertKept(watch);
        assertThat(watch.statuses).containsExactly("SYNCHRONIZED");
        assertThat(mesh.stateOf(stepper)).isEqualTo("falseticker");
    }

    @Test
    void kissesGarbageAndSpoofingCostNothingButTheirSources() throws Exception {
        // Four faulty sources keep their votes: five truthful ones are the majority of all nine.
        mesh.server("127.0.11.1", MeshFixture.truthful(3, 2));
        mesh.server("127.0.11.2", MeshFixture.truthful(2, 3));
        mesh.server("127.0.11.3", MeshFixture.truthful(2, 2));
        mesh.server("127.0.11.8", MeshFixture.truthful(1, 2));
        mesh.server("127.0.11.9", MeshFixture.truthful(2, 1));
        SimulatedNtpServer deny = mesh.server("127.0.11.4", ServerBehaviour.truthful().withKiss("DENY"));
        SimulatedNtpServer garbage = mesh.server("127.0.11.5", ServerBehaviour.truthful().withFault(Fault.GARBAGE));
        SimulatedNtpServer spoof = mesh.server("127.0.11.6",
                ServerBehaviour.truthful().withOffset(5).withFault(Fault.SPOOFED_ORIGIN));
        SimulatedNtpServer rate = mesh.server("127.0.11.7", ServerBehaviour.truthful().withKiss("RATE"));
        mesh.startNode("protocol", new JsonObject());
        assertThat(mesh.awaitStatus("SYNCHRONIZED", Duration.ofSeconds(20)).status()).isEqualTo("SYNCHRONIZED");
        PromiseWatch watch = new PromiseWatch(mesh);
        watch.watch(5);
        assertKept(watch);
        assertThat(mesh.stateOf(deny)).isEqualTo("kiss");
        assertThat(mesh.stateOf(garbage)).isEqualTo("unreachable");
        assertThat(mesh.stateOf(spoof)).isEqualTo("unreachable");
        assertThat(deny.requestCount()).isEqualTo(1);
        // RATE: asked again, but each time half as often (1, 2, 4, 8 s ...), never a sample.
        assertThat(mesh.stateOf(rate)).isIn("kiss", "unreachable");
        List<Long> asked = rate.requests().stream().map(SimulatedNtpServer.Request::trueNanos).toList();
        assertThat(asked).hasSizeBetween(2, 6);
        for (int i = 2; i < asked.size(); i++) {
            assertThat(asked.get(i) - asked.get(i - 1)).isGreaterThan(asked.get(i - 1) - asked.get(i - 2));
        }
    }
}
