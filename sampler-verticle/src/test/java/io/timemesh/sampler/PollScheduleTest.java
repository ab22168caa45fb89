package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PollScheduleTest {

    @Test
    void iburstSendsFourExchangesTwoSecondsApartThenPolls() {
        PollSchedule schedule = new PollSchedule(64, true);
        assertThat(schedule.nextDelaySeconds()).isEqualTo(2);
        assertThat(schedule.nextDelaySeconds()).isEqualTo(2);
        assertThat(schedule.nextDelaySeconds()).isEqualTo(2);
        assertThat(schedule.nextDelaySeconds()).isEqualTo(64); // the 4th exchange is followed by a normal poll
        assertThat(schedule.nextDelaySeconds()).isEqualTo(64);
    }

    @Test
    void burstNeverWaitsLongerThanThePoll() {
        PollSchedule schedule = new PollSchedule(1, true);
        assertThat(schedule.nextDelaySeconds()).isEqualTo(1);
    }

    @Test
    void rateKissDoublesThePollUpToMaxpollAndEndsTheBurst() {
        PollSchedule schedule = new PollSchedule(64, true);
        schedule.slowDown();
        assertThat(schedule.pollSeconds()).isEqualTo(128);
        assertThat(schedule.nextDelaySeconds()).isEqualTo(128);
        for (int i = 0; i < 20; i++) {
            schedule.slowDown();
        }
        assertThat(schedule.pollSeconds()).isEqualTo(1 << 17);
    }

    @Test
    void pollFieldIsLog2RoundedUp() {
        assertThat(new PollSchedule(64, false).pollLog2()).isEqualTo(6);
        assertThat(new PollSchedule(1, false).pollLog2()).isEqualTo(0);
        assertThat(new PollSchedule(65, false).pollLog2()).isEqualTo(7);
    }

    @Test
    void pollOutsideOneSecondToMaxpollIsRefused() {
        assertThatThrownBy(() -> new PollSchedule(0, false)).hasMessageContaining("poll must be 1..");
        assertThatThrownBy(() -> new PollSchedule((1 << 17) + 1, false)).hasMessageContaining("poll must be 1..");
    }
}
