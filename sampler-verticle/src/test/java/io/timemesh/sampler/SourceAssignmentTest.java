package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SourceAssignmentTest {

    private static final List<String> SOURCES =
            IntStream.range(0, 12).mapToObj(i -> "127.0.3." + (i + 1) + ":123").toList();

    @Test
    void everySourceHasExactlyOneOwnerAndTheSplitIsEven() {
        List<String> samplers = List.of("node-a", "node-b", "node-c");
        Map<String, Integer> counts = new HashMap<>();
        List<String> all = new ArrayList<>();
        for (String sampler : samplers) {
            List<String> owned = SourceAssignment.owned(sampler, samplers, SOURCES);
            counts.put(sampler, owned.size());
            all.addAll(owned);
        }
        assertThat(all).containsExactlyInAnyOrderElementsOf(SOURCES);
        assertThat(counts.values()).containsOnly(4); // ⌈12 / 3⌉ each
    }

    @Test
    void noSamplerIsLeftIdleWhateverTheNames() {
        Random random = new Random(7);
        for (int trial = 0; trial < 500; trial++) {
            List<String> sources = IntStream.range(0, 12)
                    .mapToObj(i -> "127.0.4." + i + ":" + (32768 + random.nextInt(28000))).toList();
            List<String> samplers = List.of("s-" + random.nextInt(), "s-" + random.nextInt(), "s-" + random.nextInt());
            for (String sampler : samplers) {
                assertThat(SourceAssignment.owned(sampler, samplers, sources)).hasSize(4);
            }
        }
    }

    @Test
    void aLeavingSamplerMovesItsOwnSourcesAndFewOthers() {
        List<String> three = List.of("node-a", "node-b", "node-c");
        List<String> two = List.of("node-a", "node-c");
        int moved = 0;
        for (String source : SOURCES) {
            String before = SourceAssignment.owner(source, three, SOURCES);
            String after = SourceAssignment.owner(source, two, SOURCES);
            assertThat(after).isNotEqualTo("node-b");
            if (!before.equals("node-b") && !after.equals(before)) {
                moved++;
            }
        }
        assertThat(moved).isLessThanOrEqualTo(2); // the load bound may shift a couple besides b's own
    }

    @Test
    void orderOfTheMemberListDoesNotMatter() {
        for (String source : SOURCES) {
            assertThat(SourceAssignment.owner(source, List.of("x", "y", "z"), SOURCES))
                    .isEqualTo(SourceAssignment.owner(source, List.of("z", "x", "y"), SOURCES));
        }
    }
}
