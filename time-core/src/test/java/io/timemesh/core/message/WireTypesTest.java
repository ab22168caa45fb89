package io.timemesh.core.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The mesh's wire types through Jackson, as the event bus and the cluster maps carry them. */
class WireTypesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Reference MAJORITY = new Reference(new Reference.Identity("sel", 7, 1_000, 900),
            Reference.Status.MAJORITY, 0.3005, new OffsetInterval(0.299, 0.303), new OffsetInterval(0.300, 0.301),
            new Reference.Vote(3, 4, List.of("a", "b", "c"), List.of("d"),
                    List.of(new Reference.Exclusion("d", SourceState.FALSETICKER, "does not cover"))),
            new Reference.Peer(1, LeapIndicator.NO_WARNING, "a", "127.0.0.1:123", 0.003));

    @Test
    void referencesAndSamplesReadBackAsWritten() {
        assertThat(JSON.convertValue(JSON.convertValue(MAJORITY, Map.class), Reference.class)).isEqualTo(MAJORITY);
        SourceSample sample = new SourceSample("a", "127.0.0.1:123", "node-a", 1_000, 1_100,
                new OffsetInterval(0.299, 0.302), new SourceSample.Filter(0.002, 1e-6, 1e-4, 8),
                new SourceSample.ServerFields(1, "GPS", LeapIndicator.NO_WARNING, 0.001),
                new SourceSample.Estimate(0.3004, 1e-5, 2e-6), 0xFF, 16);
        assertThat(JSON.convertValue(JSON.convertValue(sample, Map.class), SourceSample.class)).isEqualTo(sample);
        // Only the components are written: the derived centre and half-width are not a second encoding.
        assertThat(JSON.convertValue(sample, Map.class)).doesNotContainKeys("offsetSeconds", "rootDistanceSeconds");
        assertThat(JSON.convertValue(MAJORITY, Map.class)).doesNotContainKeys("rootDistanceSeconds", "usable");
    }

    @Test
    void aSampleBatchReadsBackAsWrittenAndAnEmptyOrHoledOneIsRefused() throws Exception {
        SourceSample sample = new SourceSample("a", "127.0.0.1:123", "node-a", 1_000, 1_100,
                new OffsetInterval(0.299, 0.302), new SourceSample.Filter(0.002, 1e-6, 1e-4, 8),
                new SourceSample.ServerFields(1, "GPS", LeapIndicator.NO_WARNING, 0.001),
                new SourceSample.Estimate(0.3004, 1e-5, 2e-6), 0xFF, 16);
        SourceAuth nts = new SourceAuth("a", "node-a", SourceAuth.NTS, 7, 900);
        SampleBatch batch = new SampleBatch(List.of(sample, sample), List.of(nts));
        assertThat(JSON.readValue(JSON.writeValueAsString(batch), SampleBatch.class)).isEqualTo(batch);
        // A batch of one failed NTS poll carries only its authentication; one of plain sources none.
        SampleBatch authOnly = new SampleBatch(null, List.of(nts));
        assertThat(JSON.readValue(JSON.writeValueAsString(authOnly), SampleBatch.class)).isEqualTo(authOnly);
        String plain = "{\"samples\": [" + JSON.writeValueAsString(sample) + "]}";
        assertThat(JSON.readValue(plain, SampleBatch.class).auths()).isEmpty();
        assertThatThrownBy(() -> JSON.readValue("{\"samples\": []}", SampleBatch.class))
                .hasMessageContaining("one sample or authentication or more");
        assertThatThrownBy(() -> JSON.readValue("{\"samples\": [], \"auths\": []}", SampleBatch.class))
                .hasMessageContaining("one sample or authentication or more");
        assertThatThrownBy(() -> JSON.readValue("{\"samples\": [null]}", SampleBatch.class))
                .hasMessageContaining("no missing entry");
        assertThatThrownBy(() -> JSON.readValue("{\"auths\": [null]}", SampleBatch.class))
                .hasMessageContaining("no missing entry");
        assertThatThrownBy(() -> JSON.readValue("{}", SampleBatch.class))
                .hasMessageContaining("one sample or authentication or more");
        // An authentication claims NTS for a named source, with what a cookie jar can hold.
        assertThatThrownBy(() -> new SourceAuth("a", "node-a", SourceAuth.NONE, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SourceAuth(null, "node-a", SourceAuth.NTS, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SourceAuth("a", "node-a", SourceAuth.NTS, 9, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SourceAuth("a", "node-a", SourceAuth.NTS, -1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SourceAuth("a", "node-a", SourceAuth.NTS, 0, -5))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMajorityWithoutAnIntervalOrASampleWithoutOneIsRefused() {
        ObjectNode noInterval = JSON.valueToTree(MAJORITY);
        noInterval.remove("interval");
        assertThatThrownBy(() -> JSON.convertValue(noInterval, Reference.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly when it has a majority");
        ObjectNode bare = JSON.createObjectNode().put("source", "a").put("samplerNode", "node-a");
        assertThatThrownBy(() -> JSON.convertValue(bare, SourceSample.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs its interval");
        assertThatThrownBy(() -> new Reference(MAJORITY.id(), Reference.Status.NO_MAJORITY, 0,
                MAJORITY.interval(), MAJORITY.region(), MAJORITY.vote(), Reference.Peer.NONE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
