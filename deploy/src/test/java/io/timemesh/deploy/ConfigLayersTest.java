package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.discipline.DisciplineSettings;
import io.timemesh.sampler.SamplerConfig;
import io.timemesh.selector.SelectorSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ConfigLayersTest {

    private static Properties properties(String... pairs) {
        Properties properties = new Properties();
        for (int i = 0; i < pairs.length; i += 2) {
            properties.setProperty(pairs[i], pairs[i + 1]);
        }
        return properties;
    }

    @Test
    void samplerAndSelectorAgeSourceIntervalsAtTheDisciplinesDriftBound() {
        JsonObject sources = new JsonObject().put("sources", new JsonArray().add("127.0.0.2").add("127.0.0.3")
                .add("127.0.0.4"));
        NodeConfig configured = new NodeConfig(sources.copy().put("discipline", new JsonObject().put("maxDriftPpm", 40)));
        assertThat(SamplerConfig.fromJson(configured.samplerConfig()).maxDrift()).isCloseTo(40e-6, within(1e-15));
        assertThat(SelectorSettings.fromJson(configured.selectorConfig()).maxDrift()).isCloseTo(40e-6, within(1e-15));
        assertThat(SamplerConfig.fromJson(new NodeConfig(sources).samplerConfig()).maxDrift())
                .isCloseTo(DisciplineSettings.defaults().maxDrift(), within(1e-15));
    }

    @Test
    void environmentOverridesTheFileAndSystemPropertiesOverrideBoth() {
        JsonObject file = new JsonObject().put("pollSeconds", 64).put("httpPort", 9000)
                .put("discipline", new JsonObject().put("maxDriftPpm", 10));
        JsonObject merged = ConfigLayers.layer(file,
                Map.of("TIMEMESH_POLL_SECONDS", "16", "TIMEMESH_DISCIPLINE__MAX_DRIFT_PPM", "20",
                        "TIMEMESH_SOURCES", "127.0.0.2:123, 127.0.0.3:123", "PATH", "/usr/bin"),
                properties("timemesh.pollSeconds", "8", "timemesh.selector.trusted", "[\"127.0.0.2:123\"]",
                        "java.version", "17"));
        assertThat(merged.getInteger("pollSeconds")).isEqualTo(8);
        assertThat(merged.getInteger("httpPort")).isEqualTo(9000);
        assertThat(merged.getJsonObject("discipline").getInteger("maxDriftPpm")).isEqualTo(20);
        assertThat(merged.getJsonArray("sources")).containsExactly("127.0.0.2:123", "127.0.0.3:123");
        assertThat(merged.getJsonObject("selector").getJsonArray("trusted")).containsExactly("127.0.0.2:123");
        assertThat(merged.fieldNames()).doesNotContain("path", "java");
        new NodeConfig(merged); // and it validates
    }

    @Test
    void theCommandLineWinsOverEverything() {
        System.setProperty("timemesh.pollSeconds", "8");
        try {
            RunCommand run = new RunCommand();
            new CommandLine(run).parseArgs("--poll", "2", "--source", "127.0.0.9:123");
            NodeConfig config = run.config();
            assertThat(config.json().getInteger("pollSeconds")).isEqualTo(2);
            assertThat(config.json().getJsonArray("sources")).isEqualTo(new JsonArray().add("127.0.0.9:123"));
        } finally {
            System.clearProperty("timemesh.pollSeconds");
        }
    }

    @Test
    void badKeysAndValuesFromAnyLayerAreNamed() {
        assertThatThrownBy(() -> new NodeConfig(ConfigLayers.layer(new JsonObject(),
                Map.of("TIMEMESH_DISCIPLINE__MAX_DRIFT_PP", "20"), new Properties())))
                .hasMessageContaining("discipline.maxDriftPp").hasMessageContaining("maxDriftPpm");
        assertThatThrownBy(() -> new NodeConfig(ConfigLayers.layer(new JsonObject(), Map.of(),
                properties("timemesh.pollSeconds", "0")))).hasMessage("'pollSeconds' must be a whole number from 1 to 131072, was 0");
        assertThatThrownBy(() -> new NodeConfig(ConfigLayers.layer(new JsonObject(), Map.of(),
                properties("timemesh.discipline.maxDriftPpm", "lots"))))
                .hasMessage("config key 'discipline.maxDriftPpm' must be a number, was \"lots\"");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("iburst", "yes")))
                .hasMessageContaining("'iburst' must be true or false");
        assertThat(ConfigLayers.camel("MAX_DRIFT_PPM")).isEqualTo("maxDriftPpm");
    }

    @Test
    void theHttpLimitsAreASectionWhoseUnknownKeysAndBadValuesAreRefusedByName() {
        NodeConfig config = new NodeConfig(ConfigLayers.layer(new JsonObject().put("http",
                new JsonObject().put("maxConnections", 100)), Map.of("TIMEMESH_HTTP__HEADER_TIMEOUT_MILLIS", "2500"),
                new Properties()));
        assertThat(config.apiConfig().getJsonObject("http")).isEqualTo(new JsonObject().put("maxConnections", 100)
                .put("headerTimeoutMillis", 2500));
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("http", new JsonObject().put("maxConnection", 5))))
                .hasMessageContaining("unknown config key 'http.maxConnection'").hasMessageContaining("maxConnections");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("http", new JsonObject().put("h2c", "yes"))))
                .hasMessageContaining("'http.h2c' must be true or false");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("http", new JsonObject().put("maxConnections", 0))))
                .hasMessage("'http.maxConnections' must be a whole number from 1 to 1000000, was 0");
    }

    @Test
    void anEmptySourceListIsRefusedWhereSourcesAreAskedOrVotedOn() {
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("sources", new JsonArray())))
                .hasMessageContaining("'sources' is empty");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("sources", new JsonArray())
                .put("roles", new JsonArray().add("selector"))))
                .hasMessageContaining("'sources' is empty");
        // A node that only serves the cluster's time asks no server.
        new NodeConfig(new JsonObject().put("sources", new JsonArray()).put("roles", new JsonArray().add("discipline")
                .add("api")));
    }

    @Test
    void aServerNamedTwiceIsOneServerAndTheOperatorIsWarned() {
        NodeConfig config = new NodeConfig(new JsonObject().put("sources", new JsonArray().add("127.0.0.2")
                .add("127.0.0.2:123").add("127.0.0.3:123").add("127.0.0.3:124")));
        assertThat(config.duplicateSources()).singleElement().asString()
                .contains("127.0.0.2:123 is configured 2 times (as 127.0.0.2, 127.0.0.2:123)", "one vote");
        assertThat(new NodeConfig(new JsonObject().put("sources", new JsonArray().add("127.0.0.2"))).duplicateSources())
                .isEmpty();
    }

    @Test
    void thePanicThresholdIsASettingOfTheDiscipline() {
        new NodeConfig(new JsonObject().put("discipline", new JsonObject().put("panicThresholdSeconds", 0)));
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("discipline",
                new JsonObject().put("panicThresholdSeconds", -1))))
                .hasMessage("'discipline.panicThresholdSeconds' must be a number from 0 to 10000000000, was -1");
    }
}
