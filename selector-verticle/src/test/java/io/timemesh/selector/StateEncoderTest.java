package io.timemesh.selector;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.clock.LeapDays;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.message.SourceAuth;
import io.timemesh.core.message.SourceFault;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.time.OffsetInterval;
import io.timemesh.core.time.TimebaseLink;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the encoder writes reads back as the state, every time, as the fragments it reuses change under it. */
class StateEncoderTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_795_000_000L * S;
    private static final Selector.Links SAME_CLOCK = node -> Optional.of(TimebaseLink.self(node));

    private final Selector selector = new Selector(new SelectorSettings("node-s", new SelectionSettings(4, 1.5, Set.of(), 5, 1_000), List.of(), 15,
            LeapDays.JUNE_DECEMBER));
    private final StateEncoder encoder = new StateEncoder();

    private static SourceSample sample(String source, long at, double offset) {
        return new SourceSample(source, source, "node-a", at, at, OffsetInterval.around(offset, 0.01),
                new SourceSample.Filter(0.002, 1e-6, 1e-4, 8),
                new SourceSample.ServerFields(2, "GPS", LeapIndicator.NO_WARNING, 0.001),
                new SourceSample.Estimate(offset, 0, 0), 0xFF, 1);
    }

    /** The value as it was written before the encoder: the whole state through Jackson at once. */
    private static JsonObject mapped(long epoch, SelectorState state) {
        return new JsonObject().put("epoch", epoch).put("state", JsonObject.mapFrom(state));
    }

    private void assertEncodesAsMapped(long epoch) {
        SelectorState state = selector.state();
        JsonObject written = new JsonObject(encoder.encode(epoch, state));
        assertThat(written).isEqualTo(mapped(epoch, state));
        assertThat(written.getJsonObject("state").mapTo(SelectorState.class)).isEqualTo(state);
    }

    @Test
    void readsBackAsTheStateAfterEveryChange() {
        assertEncodesAsMapped(1); // nothing yet
        for (String source : List.of("a", "b", "c", "d")) {
            selector.onSample(sample(source, T0, 0.30));
        }
        selector.select(T0, SAME_CLOCK);
        assertEncodesAsMapped(1);
        // One source's sample replaced, another fails: those two entries change, the rest are reused.
        selector.onSample(sample("a", T0 + S, 0.31));
        selector.onFault(new SourceFault("b", "b", "node-a", T0 + S, "timeout", "no reply", 0x7F, false));
        selector.select(T0 + S, SAME_CLOCK);
        assertEncodesAsMapped(2);
        // An NTS source's authentication alone changes (a failed poll spent a cookie): its entry is written again.
        selector.onAuth(new SourceAuth("c", "node-a", SourceAuth.NTS, 8, T0));
        assertEncodesAsMapped(2);
        selector.onAuth(new SourceAuth("c", "node-a", SourceAuth.NTS, 7, T0));
        assertEncodesAsMapped(2);
        assertThat(new JsonObject(encoder.encode(2, selector.state())).getJsonObject("state").getJsonArray("sources")
                .stream().map(JsonObject.class::cast).filter(e -> e.getString("source").equals("c")).findFirst()
                .orElseThrow().getJsonObject("auth").getInteger("cookies")).isEqualTo(7);
        for (int i = 0; i < SelectorState.CARRIED_DECISIONS + 3; i++) { // old decisions drop out of the carried ones
            selector.select(T0 + (2 + i) * S, SAME_CLOCK);
        }
        assertEncodesAsMapped(2);
        // A successor's state holding the predecessor's decisions, some numbered as its own.
        Selector successor = new Selector(new SelectorSettings("node-t", new SelectionSettings(4, 1.5, Set.of(), 5, 1_000), List.of(), 15,
            LeapDays.JUNE_DECEMBER));
        successor.restore(selector.state());
        SelectorState restored = successor.state();
        assertThat(new JsonObject(encoder.encode(3, restored))).isEqualTo(mapped(3, restored));
    }
}
