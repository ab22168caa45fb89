package io.timemesh.core.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.mesh.LeaderFence.Verdict;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class LeaderFenceTest {
    @Test
    void aHigherEpochIsFollowedAndTheOldLeaderIsFencedOut() {
        LeaderFence fence = new LeaderFence();
        assertThat(fence.admit(3, "a")).isEqualTo(Verdict.FOLLOWED);
        assertThat(fence.admit(3, "a")).isEqualTo(Verdict.FOLLOWED);
        assertThat(fence.admit(4, "b")).isEqualTo(Verdict.FOLLOWED);
        // The deposed leader wakes from a stall and sends what it had: dropped.
        assertThat(fence.admit(3, "a")).isEqualTo(Verdict.STALE_EPOCH);
        assertThat(fence.admit(4, "c")).isEqualTo(Verdict.EPOCH_CONFLICT);
        assertThat(fence.leader()).isEqualTo("b");
        assertThat(fence.epoch()).isEqualTo(4);
    }

    @Test
    void aLowerEpochIsNeverFollowedAgainHoweverLongTheLeaderIsSilent() {
        LeaderFence fence = new LeaderFence();
        fence.admit(9, "a");
        for (int i = 0; i < 1000; i++) {
            assertThat(fence.admit(8, "b")).isEqualTo(Verdict.STALE_EPOCH);
        }
        assertThat(fence.admit(10, "b")).isEqualTo(Verdict.FOLLOWED);
    }

    /**
     * Two selectors publishing at once, in any interleaving and at any epochs: the references a node
     * applies never alternate between them. Once it has moved from one to the other it stays.
     */
    @Property
    void twoSelectorsPublishingAtOnceAreNeverInterleaved(@ForAll @Size(min = 2, max = 200) List<Boolean> fromA,
                                                          @ForAll @IntRange(min = 1, max = 5) int epochA,
                                                          @ForAll @IntRange(min = 1, max = 5) int epochB) {
        LeaderFence fence = new LeaderFence();
        List<String> applied = new ArrayList<>();
        for (boolean a : fromA) {
            String node = a ? "a" : "b";
            if (fence.admit(a ? epochA : epochB, node) == Verdict.FOLLOWED) {
                applied.add(node);
            }
        }
        int switches = 0;
        for (int i = 1; i < applied.size(); i++) {
            if (!applied.get(i).equals(applied.get(i - 1))) {
                switches++;
            }
        }
        assertThat(switches).as("applied %s", applied).isLessThanOrEqualTo(1);
    }
}
