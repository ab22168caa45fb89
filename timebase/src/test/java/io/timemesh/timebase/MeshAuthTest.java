package io.timemesh.timebase;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.time.ManualTimeSource;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Attacker tests: forged, tampered, replayed, redirected and unsigned messages and map values are refused. */
class MeshAuthTest {
    private static final String ADDRESS = "timemesh.reference";

    private final ClusterKey key = ClusterKey.random();
    private final ManualTimeSource clock = new ManualTimeSource(0);
    private final MeshAuth a = MeshAuth.keyed("node-a", key, clock);
    private final MeshAuth b = MeshAuth.keyed("node-b", key, clock);
    private final List<String> counted = new ArrayList<>();

    {
        b.onRejection((channel, reason) -> counted.add(channel + " " + reason.label()));
    }

    private static JsonObject body(double offset) {
        return new JsonObject().put("offsetSeconds", offset);
    }

    /** Vert.x 5.0.8's clustered publish throwing for one member must not stop the publisher's work. */
    @Test
    void aPublishThatVertxFailsForSomeMembersIsNotThrownIntoThePublisher() {
        List<Object> published = new ArrayList<>();
        io.vertx.core.eventbus.EventBus bus = (io.vertx.core.eventbus.EventBus) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {io.vertx.core.eventbus.EventBus.class}, (proxy, method, args) -> {
                    if (method.getName().equals("publish")) {
                        published.add(args[1]);
                        if (published.size() == 1) {
                            throw new IllegalStateException("Promise already completed");
                        }
                    }
                    return null;
                });
        a.publish(bus, ADDRESS, body(0.1));
        a.publish(bus, ADDRESS, body(0.2));
        assertThat(published).hasSize(2);
        assertThat(b.inbox(ADDRESS).open(new JsonObject(((JsonObject) published.get(1)).encode())))
                .as("sealed for the address").hasValueSatisfying(o -> assertThat(o.body().getDouble("offsetSeconds"))
                        .isEqualTo(0.2));
    }

    @Test
    void aGenuineMessageIsOpenedOnceWithItsSender() {
        MeshAuth.Inbox inbox = b.inbox(ADDRESS);
        JsonObject sealed = a.seal(ADDRESS, body(0.3));
        // Through the clustered bus the envelope arrives re-parsed from its JSON text.
        var opened = inbox.open(new JsonObject(sealed.encode()));
        assertThat(opened).hasValueSatisfying(o -> {
            assertThat(o.sender()).isEqualTo("node-a");
            assertThat(o.body().getDouble("offsetSeconds")).isEqualTo(0.3);
        });
        assertThat(inbox.open(sealed)).as("replayed").isEmpty();
        assertThat(counted).containsExactly(ADDRESS + " replayed");
        assertThat(inbox.open(a.seal(ADDRESS, body(0.4)))).isPresent();
    }

    /** The typed reading of a body: the same checks as a JsonObject's, and a body of another shape is malformed. */
    record Offset(double offsetSeconds) {}

    @Test
    void aBodyReadAsATypeIsOpenedOnceAndOnlyIfGenuineAndOfThatShape() {
        MeshAuth.Inbox inbox = b.inbox(ADDRESS);
        JsonObject sealed = a.seal(ADDRESS, body(0.3));
        assertThat(inbox.open(new JsonObject(sealed.encode()), Offset.class)).hasValueSatisfying(o -> {
            assertThat(o.sender()).isEqualTo("node-a");
            assertThat(o.body()).isEqualTo(new Offset(0.3));
        });
        assertThat(inbox.open(sealed, Offset.class)).as("replayed").isEmpty();
        JsonObject tampered = a.seal(ADDRESS, body(0.4)).put("body", body(100).encode());
        assertThat(inbox.open(tampered, Offset.class)).as("tampered").isEmpty();
        assertThat(inbox.open(a.seal(ADDRESS, new JsonObject().put("offsetSeconds", "soon")), Offset.class))
                .as("not an Offset").isEmpty();
        assertThat(inbox.open(a.seal(ADDRESS, body(0.5)), Offset.class)).isPresent();
        assertThat(counted).containsExactly(ADDRESS + " replayed", ADDRESS + " forged", ADDRESS + " malformed");
    }

    @Test
    void forgedTamperedRedirectedAndUnsignedMessagesAreRefusedAndCounted() {
        MeshAuth.Inbox inbox = b.inbox(ADDRESS);
        MeshAuth outsider = MeshAuth.keyed("node-a", ClusterKey.random(), clock); // knows the name, not the key
        assertThat(inbox.open(outsider.seal(ADDRESS, body(100)))).isEmpty();

        JsonObject tampered = a.seal(ADDRESS, body(0.3));
        tampered.put("body", body(100).encode());
        assertThat(inbox.open(tampered)).isEmpty();

        JsonObject impersonating = a.seal(ADDRESS, body(0.3)).put("from", "node-c");
        assertThat(inbox.open(impersonating)).isEmpty();

        JsonObject renumbered = a.seal(ADDRESS, body(0.3));
        renumbered.put("ctr", renumbered.getLong("ctr") + 1_000);
        assertThat(inbox.open(renumbered)).isEmpty();

        assertThat(inbox.open(a.seal("timemesh.samples", body(0.3)))).as("sealed for another address").isEmpty();

        JsonObject unsigned = a.seal(ADDRESS, body(0.3));
        unsigned.remove("mac");
        assertThat(inbox.open(unsigned)).isEmpty();
        assertThat(inbox.open(MeshAuth.insecure("node-a", clock).seal(ADDRESS, body(0.3)))).isEmpty();

        assertThat(inbox.open(new JsonObject().put("sequence", 1))).isEmpty();
        assertThat(inbox.open("not even JSON")).isEmpty();
        assertThat(inbox.open(null)).isEmpty();

        assertThat(counted).containsExactly(ADDRESS + " forged", ADDRESS + " forged", ADDRESS + " forged",
                ADDRESS + " forged", ADDRESS + " forged", ADDRESS + " unsigned", ADDRESS + " unsigned",
                ADDRESS + " malformed", ADDRESS + " malformed", ADDRESS + " malformed");
        assertThat(b.rejections()).containsEntry(ADDRESS + " forged", 5L).containsEntry(ADDRESS + " unsigned", 2L);
    }

    @Test
    void mapValuesAreBoundToTheirMapAndKey() {
        String value = a.sealValue("timemesh.sampler.claims", "127.0.0.1:123", new JsonObject());
        assertThat(b.openValue("timemesh.sampler.claims", "127.0.0.1:123", value))
                .hasValueSatisfying(o -> assertThat(o.sender()).isEqualTo("node-a"));
        assertThat(b.openValue("timemesh.sampler.claims", "127.0.0.2:123", value)).as("moved to another key").isEmpty();
        assertThat(b.openValue("timemesh.sampler.state", "127.0.0.1:123", value)).as("another map").isEmpty();
        assertThat(b.openValue("timemesh.sampler.claims", "127.0.0.1:123", "{]")).isEmpty();
        assertThat(b.openValue("timemesh.sampler.claims", "127.0.0.1:123", "node-z")).isEmpty();
        assertThat(b.openValue("timemesh.sampler.claims", "127.0.0.1:123", null)).as("absent, not refused").isEmpty();
        assertThat(counted).hasSize(4);
    }

    /** A value sealed with its counter opens with that counter, above every counter sealed before it. */
    @Test
    void aValueSealedWithItsCounterOpensWithThatCounter() {
        long before = a.valueCounter();
        MeshAuth.SealedValue sealed = a.sealValueCounted("timemesh.sampler.pollers", "node-a", new JsonObject().put("n", 1));
        assertThat(sealed.counter()).isGreaterThan(before).isEqualTo(a.valueCounter());
        assertThat(b.openValue("timemesh.sampler.pollers", "node-a", sealed.value())).hasValueSatisfying(o -> {
            assertThat(o.counter()).isEqualTo(sealed.counter());
            assertThat(o.body().getInteger("n")).isEqualTo(1);
        });
    }

    /**
     * An uninvited member can read the map and put an old genuine value back (an old lease, a claim of a
     * sampler long gone): a reader that has read a newer one from the same writer under the same key
     * refuses it; the newest one stays readable, again and again.
     */
    @Test
    void anOldMapValuePutBackIsRefusedAsAReplay() {
        String old = a.sealValue("timemesh.selector", "lease", new JsonObject().put("renewal", 1));
        String newer = a.sealValue("timemesh.selector", "lease", new JsonObject().put("renewal", 2));
        assertThat(newer).isNotEqualTo(old);
        assertThat(b.openValue("timemesh.selector", "lease", old)).isPresent();
        assertThat(b.openValue("timemesh.selector", "lease", newer)).hasValueSatisfying(o -> {
            assertThat(o.body().getInteger("renewal")).isEqualTo(2);
            assertThat(o.counter()).isGreaterThan(new JsonObject(old).getLong("ctr"));
        });
        assertThat(b.openValue("timemesh.selector", "lease", newer)).as("read again").isPresent();
        assertThat(b.openValue("timemesh.selector", "lease", old)).as("put back").isEmpty();
        assertThat(b.rejections()).containsEntry("timemesh.selector replayed", 1L);
        // A counter raised by hand breaks the MAC, which covers it.
        String raised = new JsonObject(old).put("ctr", new JsonObject(newer).getLong("ctr") + 1).encode();
        assertThat(b.openValue("timemesh.selector", "lease", raised)).isEmpty();
        assertThat(b.rejections()).containsEntry("timemesh.selector forged", 1L);
    }

    /**
     * A writer finds an older value of its own in the map (its slow compare-and-set landed after it sealed a newer
     * one): it knows it as its own, counting nothing; a value in its name that it did not seal (forged, tampered, for
     * another key or without a MAC) or another writer's is not its own.
     */
    @Test
    void aWritersOwnOlderValueIsItsOwnAndNothingElseIs() {
        a.onRejection((channel, reason) -> counted.add(channel + " " + reason.label()));
        String older = a.sealValue("timemesh.selector", "lease", new JsonObject().put("renewal", 1));
        a.sealValue("timemesh.selector", "lease", new JsonObject().put("renewal", 2));
        assertThat(a.openOwnValue("timemesh.selector", "lease", older)).hasValueSatisfying(o -> {
            assertThat(o.sender()).isEqualTo("node-a");
            assertThat(o.body().getInteger("renewal")).isEqualTo(1);
        });
        assertThat(a.openValue("timemesh.selector", "lease", older)).as("opened as anyone's").isEmpty();
        assertThat(a.rejections()).containsOnlyKeys("timemesh.selector replayed");

        String theirs = b.sealValue("timemesh.selector", "lease", new JsonObject().put("renewal", 9));
        String tampered = new JsonObject(older).put("body", "{\"renewal\":7}").encode();
        JsonObject withoutMac = new JsonObject(older);
        withoutMac.remove("mac");
        String unmacked = withoutMac.encode();
        String otherKey = MeshAuth.keyed("node-a", ClusterKey.random(), clock)
                .sealValue("timemesh.selector", "lease", new JsonObject().put("renewal", 3));
        for (String notOurs : List.of(theirs, tampered, unmacked, otherKey, "junk", "{\"from\":\"node-a\"}")) {
            assertThat(a.openOwnValue("timemesh.selector", "lease", notOurs)).as(notOurs).isEmpty();
        }
        assertThat(a.openOwnValue("timemesh.selector", "other-key", older)).as("moved to another key").isEmpty();
        assertThat(a.openOwnValue("timemesh.selector", "lease", null)).isEmpty();
        assertThat(a.rejections()).as("nothing more counted").containsOnlyKeys("timemesh.selector replayed")
                .containsEntry("timemesh.selector replayed", 1L);
    }

    @Test
    void aReplyCountsOnlyFromTheNodeAskedAndForTheRequestAsked() {
        String address = "timemesh.timebase.node-a";
        JsonObject reply = a.seal(address, new JsonObject().put("nonce", 42L).put("t2", 1L).put("t3", 2L));
        assertThat(b.openReply(address, "timebase", "node-a", 42L, reply)).isPresent();
        assertThat(b.openReply(address, "timebase", "node-a", 43L, reply)).as("another request's").isEmpty();
        assertThat(b.openReply(address, "timebase", "node-c", 42L, reply)).as("another node's").isEmpty();
        MeshAuth outsider = MeshAuth.keyed("node-a", ClusterKey.random(), clock);
        JsonObject forged = outsider.seal(address, new JsonObject().put("nonce", 42L).put("t2", 1L).put("t3", 2L));
        assertThat(b.openReply(address, "timebase", "node-a", 42L, forged)).isEmpty();
        assertThat(counted).containsExactly("timebase misdirected", "timebase misdirected", "timebase forged");
    }

    @Test
    void anInsecureMeshSealsNothingAndTakesEverything() {
        MeshAuth open = MeshAuth.insecure("node-b", clock);
        JsonObject sealed = MeshAuth.insecure("node-a", clock).seal(ADDRESS, body(0.3));
        assertThat(sealed.containsKey("mac")).isFalse();
        assertThat(open.authenticated()).isFalse();
        assertThat(open.inbox(ADDRESS).open(sealed)).isPresent();
        assertThat(open.inbox(ADDRESS).open(a.seal(ADDRESS, body(0.3)))).isPresent();
    }
}
