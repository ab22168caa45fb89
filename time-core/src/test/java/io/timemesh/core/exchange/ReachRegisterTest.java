package io.timemesh.core.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReachRegisterTest {

    @Test
    void eightAnsweredPollsRead377() {
        ReachRegister reach = new ReachRegister();
        for (int i = 0; i < 10; i++) {
            reach.onPoll();
            reach.onValidReply();
        }
        assertThat(reach.value()).isEqualTo(0xFF);
        assertThat(reach.octal()).isEqualTo("377");
    }

    @Test
    void unansweredPollsShiftOutAfterEight() {
        ReachRegister reach = new ReachRegister();
        reach.onPoll();
        reach.onValidReply();
        reach.onPoll();
        assertThat(reach.value()).isEqualTo(0b10);
        for (int i = 0; i < 7; i++) {
            reach.onPoll();
        }
        assertThat(reach.reachable()).isFalse();
    }

    @Test
    void kissCodesMapToActions() {
        assertThat(KissCode.of("RATE")).isEqualTo(KissCode.SLOW_DOWN);
        assertThat(KissCode.of("DENY")).isEqualTo(KissCode.STOP);
        assertThat(KissCode.of("RSTR")).isEqualTo(KissCode.STOP);
        assertThat(KissCode.of("XFOO")).isEqualTo(KissCode.IGNORE);
    }
}
