package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timemesh.core.settings.Settings;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The "http" config section's keys added for the write timeout and HTTP/2's reset-flood limits. */
class HttpLimitsTest {

    @Test
    void theWriteTimeoutAndResetLimitsHaveDefaultsAndAreRangeChecked() {
        HttpLimits defaults = Settings.bind(HttpLimits.class, "{}");
        assertThat(defaults).isEqualTo(HttpLimits.DEFAULTS);
        assertThat(defaults.writeTimeoutMillis()).isEqualTo(20_000);
        assertThat(defaults.http2MaxResetsPerWindow()).isEqualTo(100);
        assertThat(defaults.http2ResetWindowSeconds()).isEqualTo(30);

        HttpLimits set = Settings.bind(HttpLimits.class, new JsonObject().put("writeTimeoutMillis", 1_500)
                .put("http2MaxResetsPerWindow", 10).put("http2ResetWindowSeconds", 5).encode());
        assertThat(set.writeTimeoutMillis()).isEqualTo(1_500);
        assertThat(set.http2MaxResetsPerWindow()).isEqualTo(10);
        assertThat(set.http2ResetWindowSeconds()).isEqualTo(5);

        assertThatThrownBy(() -> Settings.bind(HttpLimits.class, new JsonObject().put("writeTimeoutMillis", 0).encode()))
                .hasMessage("'writeTimeoutMillis' must be a whole number from 1 to 3600000, was 0");
        assertThatThrownBy(() -> Settings.bind(HttpLimits.class, new JsonObject().put("http2MaxResetsPerWindow", 2.5).encode()))
                .hasMessageContaining("'http2MaxResetsPerWindow' must be a whole number");
        assertThatThrownBy(() -> Settings.bind(HttpLimits.class, new JsonObject().put("http2ResetWindowSeconds", 3_601).encode()))
                .hasMessageContaining("'http2ResetWindowSeconds' must be a whole number from 1 to 3600");
    }
}
