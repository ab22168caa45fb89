package io.timemesh.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TimeAnswersTest {

    @Test
    void aBoundedAnswerIsWidenedByTheRoundTripAndKeepsItsStatus() throws Exception {
        BoundedTime time = TimeAnswers.read("node", true, "HOLDOVER", "1000", "2000", 300);
        assertThat(time.status()).isEqualTo(TimeStatus.HOLDOVER);
        assertThat(time.interval()).isEqualTo(new TimeInterval(1000, 2300));
    }

    @Test
    void noBoundUnsynchronisedAFailedTransportOrGarbageIsUnavailable() {
        assertThatThrownBy(() -> TimeAnswers.read("node", true, "UNSYNCHRONIZED", "1", "2", 0))
                .isInstanceOf(TimeUnavailableException.class).hasMessageContaining("status UNSYNCHRONIZED");
        assertThatThrownBy(() -> TimeAnswers.read("node", true, "SYNCHRONIZED", null, null, 0))
                .isInstanceOf(TimeUnavailableException.class);
        assertThatThrownBy(() -> TimeAnswers.read("node", false, "SYNCHRONIZED", "1", "2", 0))
                .isInstanceOf(TimeUnavailableException.class);
        assertThatThrownBy(() -> TimeAnswers.read("node", true, "SYNCED", "1", "2", 0))
                .isInstanceOf(TimeUnavailableException.class);
        assertThatThrownBy(() -> TimeAnswers.read("node", true, "SYNCHRONIZED", "x1", "2", 0))
                .isInstanceOf(TimeUnavailableException.class).hasMessageContaining("malformed");
        assertThatThrownBy(() -> TimeAnswers.read("node", true, "SYNCHRONIZED", "5", "2", 0))
                .isInstanceOf(TimeUnavailableException.class).hasMessageContaining("malformed");
    }
}
