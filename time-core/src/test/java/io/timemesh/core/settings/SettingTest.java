package io.timemesh.core.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timemesh.core.clock.LeapMode;
import org.junit.jupiter.api.Test;

class SettingTest {

    @Test
    void absentValuesTakeTheDefaultAndGoodOnesAreRead() {
        assertThat(Setting.number("k", null, 15.0, 0, 1e5)).isEqualTo(15.0);
        assertThat(Setting.number("k", 20, 15.0, 0, 1e5)).isEqualTo(20.0);
        assertThat(Setting.positive("k", 0.5, 1.0, 10)).isEqualTo(0.5);
        assertThat(Setting.wholeNumber("k", 8123, 1, 0, 65_535)).isEqualTo(8123);
        assertThat(Setting.wholeNumber("k", 8123.0, 1, 0, 65_535)).isEqualTo(8123); // 8123.0 is whole
    }

    @Test
    void aChoiceIsOneOfItsNamesAndAnythingElseListsThem() {
        assertThat(Setting.oneOf("leapMode", null, LeapMode.STEP, LeapMode.class)).isEqualTo(LeapMode.STEP);
        assertThat(Setting.oneOf("leapMode", "smear", LeapMode.STEP, LeapMode.class)).isEqualTo(LeapMode.SMEAR);
        assertThatThrownBy(() -> Setting.oneOf("leapMode", "slew", LeapMode.STEP, LeapMode.class))
                .isInstanceOf(SettingException.class)
                .hasMessage("'leapMode' must be one of \"step\", \"smear\", was \"slew\"");
        assertThatThrownBy(() -> Setting.oneOf("leapMode", 1, LeapMode.STEP, LeapMode.class))
                .hasMessage("'leapMode' must be one of \"step\", \"smear\", was 1");
    }

    @Test
    void fractionsAreRefusedNeverTruncated() {
        assertThatThrownBy(() -> Setting.wholeNumber("httpPort", 18252.9, 8123, 0, 65_535))
                .isInstanceOf(SettingException.class)
                .hasMessage("'httpPort' must be a whole number from 0 to 65535, was 18252.9");
    }

    @Test
    void valuesBeyondTheRangeAreShownAsGivenNeverClamped() {
        assertThatThrownBy(() -> Setting.wholeNumber("httpPort", 1e12, 8123, 0, 65_535))
                .hasMessage("'httpPort' must be a whole number from 0 to 65535, was 1000000000000");
        assertThatThrownBy(() -> Setting.number("maxDriftPpm", 1e300, 15, 0, 1e5))
                .hasMessage("'maxDriftPpm' must be a number from 0 to 100000, was 1.0E300");
        assertThatThrownBy(() -> Setting.number("maxDriftPpm", Double.NaN, 15, 0, 1e5)).isInstanceOf(SettingException.class);
        assertThatThrownBy(() -> Setting.positive("maxErrorBoundSeconds", 0, 1, 1e6))
                .hasMessage("'maxErrorBoundSeconds' must be a number greater than 0, at most 1000000, was 0");
        assertThatThrownBy(() -> Setting.number("k", "lots", 1, 0, 2)).hasMessageEndingWith("was \"lots\"");
    }

    @Test
    void aSectionNamesTheFullKey() {
        SettingException refused = SettingException.refused("maxDriftPpm", SettingException.show(1e9), "a number from 0 to 100000");
        assertThat(refused.within("discipline").key()).isEqualTo("discipline.maxDriftPpm");
        assertThat(refused.within("discipline"))
                .hasMessage("'discipline.maxDriftPpm' must be a number from 0 to 100000, was 1000000000");
    }
}
