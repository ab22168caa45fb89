package io.timemesh.core.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SourceStateTest {
    @Test
    void everyStateHasItsOwnLabelAndSymbolAndIsFoundByIt() {
        assertThat(SourceState.labels()).doesNotHaveDuplicates().hasSize(SourceState.values().length)
                .contains("too-distant", "smearing");
        assertThat(Arrays.stream(SourceState.values()).map(SourceState::symbol)).doesNotHaveDuplicates()
                .doesNotContain('*'); // the system peer's, shown instead of its state
        for (SourceState state : SourceState.values()) {
            assertThat(SourceState.of(state.label())).isSameAs(state);
        }
    }

    @Test
    void anUnknownLabelIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> SourceState.of("TOO_DISTANT")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'TOO_DISTANT'").hasMessageContaining("too-distant");
    }
}
