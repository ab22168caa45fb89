package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.message.SampleBatch;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import io.timemesh.timebase.MeshAuth;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Taking over a source from a sampler that died holding it: what it left in the cluster maps (its claim,
 * and its pollers' states written as one sealed value) is continued only when genuine. The maps are
 * Vert.x's local ones, which the sampler uses the same way as the cluster's.
 */
class SamplerHandoverTest {
    static final MonotonicTimescale TRUTH = new MonotonicTimescale();
    static final ClusterKey KEY = ClusterKey.random();
    private static final String DEAD = "node-dead";
    /** The dead sampler's reach register: its last four polls answered, the four before not. */
    private static final int LEFT_REACH = 0b1111_0000;

    private Vertx vertx;
    final MeshAuth taker = MeshAuth.keyed("node-b", KEY, TRUTH);
    final List<SourceSample> samples = new CopyOnWriteArrayList<>();

    /** The Vert.x the taker runs on: a plain one here, so the claims go one compare-and-set each. */
    Vertx newVertx() {
        return Vertx.vertx();
    }

    @BeforeEach
    void start() {
        vertx = newVertx();
        MeshAuth.Inbox inbox = taker.inbox(EventBusAddresses.SAMPLES);
        vertx.eventBus().consumer(EventBusAddresses.SAMPLES, m -> inbox.open(m.body())
                .ifPresent(o -> samples.addAll(o.body().mapTo(SampleBatch.class).samples())));
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private void put(String map, String key, String value) {
        vertx.sharedData().<String, String>getAsyncMap(map).compose(m -> m.put(key, value)).await();
    }

    /**
     * The dead sampler's claim on {@code source}, its pollers' states sealed by {@code writer} as {@code edit}
     * leaves them, and its last lease (naming the source, so node-b takes it only once the lease lapses),
     * whose floor for pollers' states lies just below the states' counter.
     */
    private void leftBehind(String source, MeshAuth writer, java.util.function.UnaryOperator<String> edit) {
        MeshAuth dead = deadClaim(source);
        long before = writer.valueCounter();
        put(SamplerVerticle.POLLERS_MAP, DEAD, edit.apply(pollers(writer, source, LEFT_REACH)));
        lease(dead, source, before, 0);
    }

    /** The dead sampler's sealer, its genuine claim on {@code source} already in the claims map. */
    private MeshAuth deadClaim(String source) {
        MeshAuth dead = MeshAuth.keyed(DEAD, KEY, TRUTH);
        put(SamplerVerticle.CLAIMS_MAP, source, dead.sealValue(SamplerVerticle.CLAIMS_MAP, source, new JsonObject()));
        return dead;
    }

    private static String pollers(MeshAuth writer, String source, int reach) {
        PollerState state = new PollerState(DEAD, List.of(), reach, 1, 0, null, null);
        return writer.sealValue(SamplerVerticle.POLLERS_MAP, DEAD,
                new JsonObject().put("pollers", new JsonObject().put(source, JsonObject.mapFrom(state))));
    }

    /** A lease of {@code writer} holding {@code source} and naming the two floors for its states. */
    private void lease(MeshAuth writer, String source, long pollersAfter, long letGoAfter) {
        put(SamplerVerticle.SAMPLERS_MAP, writer.node(), writer.sealValue(SamplerVerticle.SAMPLERS_MAP, writer.node(),
                new JsonObject().put("sources", new JsonArray().add(source))
                        .put(StateFloors.POLLERS_AFTER, pollersAfter).put(StateFloors.LET_GO_AFTER, letGoAfter)));
    }

    /**
     * The dead sampler's genuine pollers' states for {@code source}, with no claim on it, and a lease naming it sealed
     * by {@code leaseWriter} (the dead sampler's own sealer, or a forger's in its name).
     */
    private void unclaimed(String source, MeshAuth leaseWriter) {
        MeshAuth dead = MeshAuth.keyed(DEAD, KEY, TRUTH);
        long before = dead.valueCounter();
        put(SamplerVerticle.POLLERS_MAP, DEAD, pollers(dead, source, LEFT_REACH));
        lease(leaseWriter, source, before, 0);
    }

    /** node-b's first sample of {@code source}, once it has taken it. */
    SourceSample firstSample(String source) throws InterruptedException {
        vertx.deployVerticle(new SamplerVerticle(TRUTH, taker, -20, HostResolver.SYSTEM), new DeploymentOptions()
                .setConfig(new JsonObject().put("sources", new JsonArray().add(source)).put("pollSeconds", 1)
                        .put("iburst", false).put("sampler", new JsonObject().put("timeoutMillis", 1_000)))).await();
        // The dead sampler's lease lapses after 3 s; then a poll.
        for (int i = 0; i < 150 && samples.isEmpty(); i++) {
            TimeUnit.MILLISECONDS.sleep(100);
        }
        assertThat(samples).as("a sample within 15 s").isNotEmpty();
        return samples.get(0);
    }

    @Test
    void aDeadSamplersSourceContinuesFromThePollersStatesItLastWrote() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.51", TRUTH, ServerBehaviour.truthful())) {
            leftBehind(server.hostPort(), MeshAuth.keyed(DEAD, KEY, TRUTH), value -> value);
            SourceSample first = firstSample(server.hostPort());
            assertThat(first.samplerNode()).isEqualTo("node-b");
            assertThat(first.reach()).as("the dead sampler's register, shifted, with this poll").isEqualTo(0b1110_0001);
        }
    }

    /**
     * Issue 14's three-node run: while the sampler was slow to answer, another took its sources (its lease
     * judged lapsed) by replacing its claims, then let them go again when it answered, removing its own claims;
     * the sampler kept polling them with no claim in the map. Its lease still says it held them.
     */
    @Test
    void aDeadSamplersSourceWhoseClaimWasRemovedContinuesFromThePollersStatesItLastWrote() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.60", TRUTH, ServerBehaviour.truthful())) {
            String source = server.hostPort();
            unclaimed(source, MeshAuth.keyed(DEAD, KEY, TRUTH));
            SourceSample first = firstSample(source);
            assertThat(first.reach()).as("the dead sampler's register, shifted, with this poll").isEqualTo(0b1110_0001);
        }
    }

    /** The lease names the holder when no claim does, so a lease in a sampler's name, forged, names none. */
    @Test
    void aForgedLeaseNamingASourceWithoutAClaimMakesNoHolder() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.61", TRUTH, ServerBehaviour.truthful())) {
            String source = server.hostPort();
            unclaimed(source, MeshAuth.keyed(DEAD, ClusterKey.random(), TRUTH)); // the lease in its name, another key
            assertThat(firstSample(source).reach()).as("a fresh register").isEqualTo(1);
            assertThat(taker.rejections()).containsKey(SamplerVerticle.SAMPLERS_MAP + " forged");
        }
    }

    @Test
    void forgedPollersStatesAreNotContinued() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.52", TRUTH, ServerBehaviour.truthful())) {
            leftBehind(server.hostPort(), MeshAuth.keyed(DEAD, ClusterKey.random(), TRUTH), value -> value);
            assertThat(firstSample(server.hostPort()).reach()).as("a fresh register").isEqualTo(1);
            assertThat(taker.rejections()).containsKey(SamplerVerticle.POLLERS_MAP + " forged");
        }
    }

    @Test
    void tamperedPollersStatesAreNotContinued() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.53", TRUTH, ServerBehaviour.truthful())) {
            // The genuine MAC over a body whose register says every poll answered.
            leftBehind(server.hostPort(), MeshAuth.keyed(DEAD, KEY, TRUTH), value -> {
                JsonObject envelope = new JsonObject(value);
                return envelope.put("body", envelope.getString("body").replace("\"reach\":" + LEFT_REACH, "\"reach\":255"))
                        .encode();
            });
            assertThat(firstSample(server.hostPort()).reach()).as("a fresh register").isEqualTo(1);
            assertThat(taker.rejections()).containsKey(SamplerVerticle.POLLERS_MAP + " forged");
        }
    }

    @Test
    void anOlderGenuinePollersStateIsNotContinued() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.54", TRUTH, ServerBehaviour.truthful())) {
            String source = server.hostPort();
            MeshAuth dead = deadClaim(source);
            String old = pollers(dead, source, LEFT_REACH);
            long before = dead.valueCounter();
            pollers(dead, source, 0b0000_1111); // its latest, which an uninvited member replaces by the older one
            lease(dead, source, before, 0);
            put(SamplerVerticle.POLLERS_MAP, DEAD, old);
            assertThat(firstSample(source).reach()).as("a fresh register").isEqualTo(1);
            assertThat(taker.rejections()).containsKey(SamplerVerticle.POLLERS_MAP + " replayed");
        }
    }

    @Test
    void theStateOfASamplerWhoseLeasesWereNeverSeenIsNotContinued() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.55", TRUTH, ServerBehaviour.truthful())) {
            String source = server.hostPort();
            MeshAuth dead = deadClaim(source);
            put(SamplerVerticle.POLLERS_MAP, DEAD, pollers(dead, source, LEFT_REACH));
            assertThat(firstSample(source).reach()).as("a fresh register: nothing says the state is its latest")
                    .isEqualTo(1);
            assertThat(taker.rejections()).as("no attack to count").isEmpty();
        }
    }

    /**
     * node-a's state for {@code source}, stored when it let the source go, and then its lease (holding no
     * source), whose let-go floor lies just below the state's counter or, if {@code leaseSaysOld}, above it.
     */
    private void letGoBy(MeshAuth releaser, String source, boolean leaseSaysOld) {
        letGoBy(releaser, source, leaseSaysOld, LEFT_REACH);
    }

    void letGoBy(MeshAuth releaser, String source, boolean leaseSaysOld, int reach) {
        long before = releaser.valueCounter();
        PollerState state = new PollerState(releaser.node(), List.of(), reach, 1, 0, null, null);
        put(SamplerVerticle.STATE_MAP, source, releaser.sealValue(SamplerVerticle.STATE_MAP, source,
                JsonObject.mapFrom(state)));
        releaserLease(releaser, leaseSaysOld ? releaser.valueCounter() : before);
    }

    /** A lease of {@code releaser} holding no source, naming {@code letGoAfter}. */
    private void releaserLease(MeshAuth releaser, long letGoAfter) {
        put(SamplerVerticle.SAMPLERS_MAP, releaser.node(), releaser.sealValue(SamplerVerticle.SAMPLERS_MAP,
                releaser.node(), new JsonObject().put("sources", new JsonArray()).put(StateFloors.POLLERS_AFTER, 0)
                        .put(StateFloors.LET_GO_AFTER, letGoAfter)));
    }

    @Test
    void aLetGoStateOlderThanItsWritersLeasesAllowIsNotContinued() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.56", TRUTH, ServerBehaviour.truthful())) {
            letGoBy(MeshAuth.keyed("node-a", KEY, TRUTH), server.hostPort(), true);
            assertThat(firstSample(server.hostPort()).reach()).as("a fresh register").isEqualTo(1);
            assertThat(taker.rejections()).containsKey(SamplerVerticle.STATE_MAP + " replayed");
        }
    }

    @Test
    void aRecentLetGoStateIsContinued() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.57", TRUTH, ServerBehaviour.truthful())) {
            letGoBy(MeshAuth.keyed("node-a", KEY, TRUTH), server.hostPort(), false);
            assertThat(firstSample(server.hostPort()).reach()).as("node-a's register, shifted, with this poll")
                    .isEqualTo(0b1110_0001);
        }
    }

    /**
     * A sampler that died holding the source left its last pollers' states and claim, and another sampler
     * later held the source and let it go; an uninvited member keeps the dead one's claim in place. The
     * dead sampler's state is its latest by its floors, but its leases stopped rising a freshness window
     * ago on node-b's clock (which the test moves on): the newer let-go state is continued instead.
     */
    @Test
    void aLongDeadSamplersLastStateIsNotContinued() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.58", TRUTH, ServerBehaviour.truthful())) {
            String source = server.hostPort();
            MeshAuth releaser = MeshAuth.keyed("node-c", KEY, TRUTH);
            leftBehind(source, MeshAuth.keyed(DEAD, KEY, TRUTH), value -> value);
            long letGoAfter = releaser.valueCounter();
            letGoBy(releaser, source, false, 0b0000_1111);
            java.util.concurrent.atomic.AtomicLong shift = new java.util.concurrent.atomic.AtomicLong();
            vertx.deployVerticle(new SamplerVerticle(() -> TRUTH.nowNanos() + shift.get(), taker, -20,
                    HostResolver.SYSTEM), new DeploymentOptions().setConfig(new JsonObject()
                    .put("sources", new JsonArray().add(source)).put("pollSeconds", 1).put("iburst", false)
                    .put("sampler", new JsonObject().put("timeoutMillis", 1_000)))).await();
            TimeUnit.MILLISECONDS.sleep(300); // node-b has read both leases
            shift.set(StateFloors.POLLERS_FRESH_MILLIS * 1_000_000L);
            releaserLease(releaser, letGoAfter); // node-c lives on: its lease renewed (a higher counter)
            for (int i = 0; i < 100 && samples.isEmpty(); i++) {
                TimeUnit.MILLISECONDS.sleep(100);
            }
            assertThat(samples).as("a sample within 10 s").isNotEmpty();
            assertThat(samples.get(0).reach()).as("node-c's register, shifted, with this poll").isEqualTo(0b0001_1111);
            assertThat(taker.rejections()).as("no attack counted").doesNotContainKey(SamplerVerticle.POLLERS_MAP
                    + " replayed");
        }
    }

    /** A let-go state another sampler left long ago is not judged when the holder's own newer state is used. */
    @Test
    void anotherSamplersLeftoverLetGoStateRaisesNoAlarm() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.59", TRUTH, ServerBehaviour.truthful())) {
            String source = server.hostPort();
            letGoBy(MeshAuth.keyed("node-a", KEY, TRUTH), source, true);
            leftBehind(source, MeshAuth.keyed(DEAD, KEY, TRUTH), value -> value);
            assertThat(firstSample(source).reach()).as("the dead sampler's register").isEqualTo(0b1110_0001);
            assertThat(taker.rejections()).doesNotContainKeys(SamplerVerticle.STATE_MAP + " replayed",
                    SamplerVerticle.POLLERS_MAP + " replayed");
        }
    }

    /** The counter of the claim on {@code source} in the claims map, once node-b sealed it; fails on another sealer's. */
    private long nodeBsClaimCounter(String source) {
        JsonObject envelope = new JsonObject(vertx.sharedData().<String, String>getAsyncMap(SamplerVerticle.CLAIMS_MAP)
                .compose(m -> m.get(source)).await());
        assertThat(envelope.getString("from")).isEqualTo("node-b");
        return envelope.getLong("ctr");
    }

    private static long counterOf(String sealed) {
        return new JsonObject(sealed).getLong("ctr");
    }

    /**
     * Our own latest claim, still in the map when we claim the source again (we stopped polling without removing it,
     * as a sampler whose lease could not be renewed does): no replay is counted, and it is swapped for a new one.
     * Sealing the new claim before reading had made ours look old: 1,625 false replays in one three-node log.
     */
    @Test
    void ourOwnLatestClaimLeftInTheMapIsNoReplay() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.62", TRUTH, ServerBehaviour.truthful())) {
            String source = server.hostPort();
            String ours = taker.sealValue(SamplerVerticle.CLAIMS_MAP, source, new JsonObject());
            put(SamplerVerticle.CLAIMS_MAP, source, ours);
            assertThat(firstSample(source).samplerNode()).isEqualTo("node-b");
            assertThat(taker.rejections()).as("no attack to count").isEmpty();
            assertThat(nodeBsClaimCounter(source)).as("a newer claim of ours, by compare-and-set")
                    .isGreaterThan(counterOf(ours));
        }
    }

    /** An older claim of ours put back over our latest one (by an uninvited member) is a replay, and replaced. */
    @Test
    void anOlderClaimOfOursPutBackIsAReplay() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.63", TRUTH, ServerBehaviour.truthful())) {
            String source = server.hostPort();
            String older = taker.sealValue(SamplerVerticle.CLAIMS_MAP, source, new JsonObject());
            String latest = taker.sealValue(SamplerVerticle.CLAIMS_MAP, source, new JsonObject()); // replaced by older
            put(SamplerVerticle.CLAIMS_MAP, source, older);
            assertThat(firstSample(source).samplerNode()).isEqualTo("node-b");
            assertThat(taker.rejections()).containsKey(SamplerVerticle.CLAIMS_MAP + " replayed");
            assertThat(nodeBsClaimCounter(source)).as("swapped for a claim newer than our latest")
                    .isGreaterThan(counterOf(latest));
        }
    }
}
