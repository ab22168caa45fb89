package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.sampler.HostResolver;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.ServerBehaviour.Fault;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 13 §0 over real sockets: the majority is of every configured server, one vote each. Three honest
 * servers (+0.3 s, the truth) and two that agree on a lie (+0.8 s); two honest ones then leave the vote,
 * each way a source can. The node must hold over, never follow the liars.
 */
@Tag("slow")
class MajorityOfAllSourcesMeshTest {

    private final MeshFixture mesh = new MeshFixture();

    @AfterEach
    void stop() {
        mesh.close();
    }

    /** How the two honest servers leave, and the state the selector then reports for them. */
    enum Leave {
        SILENCE(b -> b.withFault(Fault.SILENT), List.of("unreachable")),
        KISS(b -> b.withKiss("DENY"), List.of("kiss")),
        TOO_DISTANT(b -> b.withRoot(1, 0, 2.0), List.of("too-distant", "unreachable")),
        UNSYNCHRONISED(b -> b.withFault(Fault.UNSYNCHRONIZED), List.of("unreachable")),
        /**
         * Its clock steps back by 10 s: too distant while its filter holds samples from both sides of the step
         * (the step shows as jitter in λ), then a candidate that agrees with nobody. A stepped source is wrong
         * from then on: a smaller step, whose widened interval could still end inside the honest one, would
         * leave the honest a minority, and no promise is made then.
         */
        STEPPING(b -> b.withOffset(b.offsetSeconds() - 10.0), List.of("candidate", "too-distant"));

        final UnaryOperator<ServerBehaviour> change;
        final List<String> states;

        Leave(UnaryOperator<ServerBehaviour> change, List<String> states) {
            this.change = change;
            this.states = states;
        }
    }

    private static ServerBehaviour liar(double offset) {
        return MeshFixture.truthful(2, 2).withOffset(offset);
    }

    @ParameterizedTest
    @EnumSource(Leave.class)
    void twoAgreeingLiarsNeverWinWhenTwoHonestServersLeave(Leave way) throws Exception {
        String net = "127.0.13" + way.ordinal() + ".";
        SimulatedNtpServer h1 = mesh.server(net + "1", MeshFixture.truthful(2, 3));
        SimulatedNtpServer h2 = mesh.server(net + "2", MeshFixture.truthful(3, 2));
        SimulatedNtpServer h3 = mesh.server(net + "3", MeshFixture.truthful(2, 2));
        SimulatedNtpServer l1 = mesh.server(net + "4", liar(0.8));
        SimulatedNtpServer l2 = mesh.server(net + "5", liar(0.801));
        mesh.startNode("leave-" + way, new JsonObject());
        assertThat(mesh.awaitStatus("SYNCHRONIZED", Duration.ofSeconds(20)).status()).isEqualTo("SYNCHRONIZED");
        assertThat(mesh.awaitState(l1, "falseticker", Duration.ofSeconds(10))).isEqualTo("falseticker");

        h1.behaviour(way.change.apply(h1.behaviour()));
        h2.behaviour(way.change.apply(h2.behaviour()));
        // While the leaving sources' last samples still count (4 polls, or 8 filter stages for a step) the
        // honest majority may stand; true time must stay inside every answer throughout.
        PromiseWatch leaving = new PromiseWatch(mesh);
        leaving.watch(10);
        assertThat(leaving.violations).as("%d answers", leaving.answers).isEmpty();
        PromiseWatch left = new PromiseWatch(mesh);
        left.noMajorityFromNow();
        left.watch(5);
        assertThat(left.violations).as("%d answers", left.answers).isEmpty();
        assertThat(left.statuses).containsExactly("HOLDOVER");
        assertThat(mesh.stateOf(h1)).isIn(way.states);
        assertThat(mesh.stateOf(h2)).isIn(way.states);
        JsonObject last = mesh.sources().stream().map(JsonObject.class::cast)
                .filter(s -> s.getString("address").equals(h3.hostPort())).findFirst().orElseThrow();
        assertThat(last.getString("state")).isEqualTo("candidate");
        assertThat(last.getString("reason")).contains("no majority", "2 of 5 servers");
        assertThat(mesh.stateOf(l2)).isEqualTo("candidate");
    }

    @Test
    void anAliasOfALyingServerDoesNotGiveItASecondVote() throws Exception {
        SimulatedNtpServer honest = mesh.server("127.0.14.1", MeshFixture.truthful(2, 2));
        SimulatedNtpServer liar = mesh.server("127.0.14.2", liar(0.8));
        // Names resolved by the test itself: "liar.test" and "liar-alias.test" are one server.
        HostResolver resolver = HostResolver.table(Map.of("honest.test", List.of("127.0.14.1"),
                "liar.test", List.of("127.0.14.2"), "liar-alias.test", List.of("127.0.14.2")));
        JsonArray sources = new JsonArray().add("honest.test:" + honest.port()).add("liar.test:" + liar.port())
                .add("liar-alias.test:" + liar.port());
        mesh.startNode("alias", new JsonObject().put("sources", sources), resolver);
        PromiseWatch watch = new PromiseWatch(mesh);
        watch.noMajorityFromNow(); // one honest server against one liar: no side is a majority
        watch.watch(8);
        assertThat(watch.violations).as("%d answers", watch.answers).isEmpty();
        assertThat(watch.statuses).containsExactly("UNSYNCHRONIZED");
        JsonObject alias = mesh.sources().stream().map(JsonObject.class::cast)
                .filter(s -> s.getString("address").equals("liar-alias.test:" + liar.port())).findFirst().orElseThrow();
        assertThat(alias.getString("state")).isEqualTo("alias");
        assertThat(alias.getString("reason")).contains("alias of liar.test:" + liar.port(), "127.0.14.2");
    }
}
