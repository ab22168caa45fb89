package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.api.ApiSettings;
import io.timemesh.api.NtpRateLimit;
import io.timemesh.api.NtpServerSettings;
import io.timemesh.core.clock.LeapDays;
import io.timemesh.core.settings.Layer;
import io.timemesh.core.settings.SettingException;
import io.timemesh.core.settings.Settings;
import io.timemesh.discipline.DisciplineSettings;
import io.timemesh.sampler.SamplerConfig;
import io.timemesh.sampler.SourceEntry;
import io.timemesh.selector.SelectorSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class ConfigLayersTest {

    @TempDir
    Path dir;

    private static Properties properties(String... pairs) {
        Properties properties = new Properties();
        for (int i = 0; i < pairs.length; i += 2) {
            properties.setProperty(pairs[i], pairs[i + 1]);
        }
        return properties;
    }

    private Layer file(String json) throws Exception {
        return Layer.file(Files.writeString(dir.resolve("node.json"), json.replace('\'', '"')));
    }

    private static NodeConfig bind(Layer... layers) {
        return NodeConfig.of(List.of(layers));
    }

    @Test
    void samplerAndSelectorAgeSourceIntervalsAtTheDisciplinesDriftBound() {
        JsonObject sources = new JsonObject().put("sources", new JsonArray().add("127.0.0.2").add("127.0.0.3")
                .add("127.0.0.4"));
        NodeConfig configured = new NodeConfig(sources.copy().put("discipline", new JsonObject().put("maxDriftPpm", 40)));
        assertThat(configured.sampler().maxDrift()).isCloseTo(40e-6, within(1e-15));
        assertThat(configured.selector().maxDrift()).isCloseTo(40e-6, within(1e-15));
        assertThat(new NodeConfig(sources).sampler().maxDrift()).isEqualTo(DisciplineSettings.DEFAULTS.maxDrift());
    }

    @Test
    void environmentOverridesTheFileAndSystemPropertiesOverrideBoth() throws Exception {
        NodeConfig config = bind(file("{'pollSeconds': 64, 'httpPort': 9000, 'discipline': {'maxDriftPpm': 10,"
                        + " 'holdoverAfterSeconds': 30}}"),
                ConfigLayers.environment(Map.of("TIMEMESH_POLL_SECONDS", "16", "TIMEMESH_DISCIPLINE__MAX_DRIFT_PPM", "20",
                        "TIMEMESH_SOURCES", "127.0.0.2:123, 127.0.0.3:123", "PATH", "/usr/bin")),
                ConfigLayers.properties(properties("timemesh.pollSeconds", "8", "timemesh.selector.trusted",
                        "[\"127.0.0.2:123\"]", "java.version", "17")));
        assertThat(config.settings().pollSeconds()).isEqualTo(8);
        assertThat(config.settings().httpPort()).isEqualTo(9000);
        assertThat(config.discipline().maxDriftPpm()).isEqualTo(20);
        assertThat(config.discipline().holdoverAfterSeconds()).as("kept from the file").isEqualTo(30);
        assertThat(config.settings().sources()).containsExactly(SourceEntry.of("127.0.0.2:123"),
                SourceEntry.of("127.0.0.3:123"));
        assertThat(config.settings().selector().trusted()).containsExactly("127.0.0.2:123");
    }

    @Test
    void theCommandLineWinsOverEverything() {
        System.setProperty("timemesh.pollSeconds", "8");
        try {
            RunCommand run = new RunCommand();
            new CommandLine(run).parseArgs("--poll", "2", "--source", "127.0.0.9:123");
            NodeConfig config = run.config();
            assertThat(config.settings().pollSeconds()).isEqualTo(2);
            assertThat(config.settings().sources()).containsExactly(SourceEntry.of("127.0.0.9:123"));
        } finally {
            System.clearProperty("timemesh.pollSeconds");
        }
    }

    /** Every layer names itself in a refusal: the key as the user spelled it there, and the value as written. */
    @Test
    void badKeysAndValuesFromAnyLayerAreNamedWithTheirLayer() throws Exception {
        assertThatThrownBy(() -> bind(ConfigLayers.environment(Map.of("TIMEMESH_DISCIPLINE__MAX_DRIFT_PP", "20"))))
                .isInstanceOf(SettingException.class)
                .hasMessageStartingWith("unknown config key 'discipline.maxDriftPp'; known: [")
                .hasMessageContaining("maxDriftPpm")
                .hasMessageEndingWith("(environment variable TIMEMESH_DISCIPLINE__MAX_DRIFT_PP)");
        assertThatThrownBy(() -> bind(ConfigLayers.properties(properties("timemesh.pollSeconds", "0"))))
                .hasMessage("'pollSeconds' must be a whole number from 1 to 131072, was 0 (system property timemesh.pollSeconds)");
        assertThatThrownBy(() -> bind(ConfigLayers.properties(properties("timemesh.discipline.maxDriftPpm", "lots"))))
                .hasMessage("'discipline.maxDriftPpm' must be a number from 0 to 100000, was lots "
                        + "(system property timemesh.discipline.maxDriftPpm)");
        assertThatThrownBy(() -> bind(ConfigLayers.environment(Map.of("TIMEMESH_IBURST", "yes"))))
                .hasMessage("'iburst' must be true or false, was yes (environment variable TIMEMESH_IBURST)");
        assertThatThrownBy(() -> bind(file("{'colour': 'red'}")))
                .hasMessageStartingWith("unknown config key 'colour'; known: [")
                .hasMessageEndingWith("(config file " + dir.resolve("node.json") + ")");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("iburst", "yes")))
                .hasMessage("'iburst' must be true or false, was \"yes\" (config JSON)");
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--source", "127.0.0.9", "--http-port", "70000");
        assertThatThrownBy(run::config).hasMessage("'httpPort' must be a whole number from 0 to 65535, was 70000 "
                + "(option --http-port)");
        assertThat(ConfigLayers.camel("MAX_DRIFT_PPM")).isEqualTo("maxDriftPpm");
    }

    /** A table of bad values, each with the exact message: the full key, the value as given, what is allowed. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{'discipline': {'maxDriftPpm': 1e300}}         | 'discipline.maxDriftPpm' must be a number from 0 to 100000, was 1.0E300",
        "{'discipline': {'stepThresholdSeconds': 0}}    | 'discipline.stepThresholdSeconds' must be a number greater than 0, at most 1000000, was 0",
        "{'discipline': {'frequencyWindow': 2.5}}       | 'discipline.frequencyWindow' must be a whole number from 3 to 1024, was 2.5",
        "{'discipline': {'leapMode': 'slew'}}           | 'discipline.leapMode' must be one of \"step\", \"smear\", was \"slew\"",
        "{'discipline': {'panicThresholdSeconds': -1}}  | 'discipline.panicThresholdSeconds' must be a number from 0 to 10000000000, was -1",
        "{'selector': {'historySize': 0}}               | 'selector.historySize' must be a whole number from 1 to 10000, was 0",
        "{'selector': {'maxDistanceSeconds': 17}}       | 'selector.maxDistanceSeconds' must be a number greater than 0, at most 16, was 17",
        "{'selector': {'trusted': 'a'}}                 | 'selector.trusted' must be a JSON array, was \"a\"",
        "{'sampler': {'timeoutMillis': 0}}              | 'sampler.timeoutMillis' must be a whole number from 1 to 60000, was 0",
        "{'pollSeconds': 131073}                        | 'pollSeconds' must be a whole number from 1 to 131072, was 131073",
        "{'httpPort': 18252.9}                          | 'httpPort' must be a whole number from 0 to 65535, was 18252.9",
        "{'ntpPort': -1}                                | 'ntpPort' must be a whole number from 0 to 65535, was -1",
        "{'ntpRateLimit': {'burst': 256}}               | 'ntpRateLimit.burst' must be a whole number from 1 to 255, was 256",
        "{'http': {'maxConnections': 0}}                | 'http.maxConnections' must be a whole number from 1 to 1000000, was 0",
        "{'http': {'h2c': 'yes'}}                       | 'http.h2c' must be true or false, was \"yes\"",
        "{'roles': ['oracle']}                          | 'roles[0]' must be one of \"sampler\", \"selector\", \"discipline\", \"api\", was \"oracle\"",
        "{'roles': ['api']}                             | 'roles' has 'api' without 'discipline': role 'api' needs role 'discipline' on the same node, it serves that clock",
        "{'sources': []}                                | 'sources' is empty: a node that samples or selects needs servers to ask (at least 3, and an odd number, so that a majority survives one failure)",
        "{'sources': ['127.0.0.1:x']}                   | 'sources[0].address': port is not a number in server address: 127.0.0.1:x",
        "{'pools': [{'maxSources': 2}]}                 | 'pools[0].name' must be a string, was nothing",
        "{'pools': [{'name': 'p.example', 'maxSources': 17}]} | 'pools[0].maxSources' must be a whole number from 1 to 16, was 17",
        "{'ntsServer': {'certificate': 'c.pem', 'key': 'k.pem'}} | 'ntsServer' needs the NTP server: set 'ntpPort'",
        "{'ntpPort': 123, 'ntsServer': {'key': 'k.pem'}} | 'ntsServer.certificate' must be a file name, was nothing",
        "{'ntpPort': 123, 'ntsServer': {'certificate': 'c.pem', 'key': 'k.pem', 'kePort': 65536}} | 'ntsServer.kePort' must be a whole number from 0 to 65535, was 65536",
        "{'cluster': {'port': 5701}}                    | 'cluster.keyFile' is missing: a cluster needs a key that every member shares, or anyone who can reach its port can move its time: make one with 'timemesh cluster-key FILE', copy it to every member and give it with --cluster-key FILE (env TIMEMESH_CLUSTER__KEY_FILE); or say --insecure-cluster to run without",
        "{'cluster': {'insecure': true, 'memebers': []}} | unknown config key 'cluster.memebers'; known: [busHost, busPort, hazelcastConfig, host, insecure, keyFile, members, port, tls]",
    })
    void aBadValueInTheFileIsRefusedByItsFullKey(String json, String message) throws Exception {
        assertThatThrownBy(() -> bind(file(json))).isInstanceOf(SettingException.class)
                .hasMessage(message + " (config file " + dir.resolve("node.json") + ")");
    }

    @Test
    void theHttpLimitsAreASectionMergedKeyByKeyAcrossLayers() throws Exception {
        NodeConfig config = bind(file("{'http': {'maxConnections': 100}}"),
                ConfigLayers.environment(Map.of("TIMEMESH_HTTP__HEADER_TIMEOUT_MILLIS", "2500")));
        assertThat(config.api().http().maxConnections()).isEqualTo(100);
        assertThat(config.api().http().headerTimeoutMillis()).isEqualTo(2500);
        assertThat(config.api().http().idleTimeoutMillis()).isEqualTo(60_000);
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("http", new JsonObject().put("maxConnection", 5))))
                .hasMessageContaining("unknown config key 'http.maxConnection'").hasMessageContaining("maxConnections");
    }

    @Test
    void anEmptySourceListIsRefusedWhereSourcesAreAskedOrVotedOn() {
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
    void whatNoLayerGivesTakesItsDefault() {
        NodeConfig config = bind();
        assertThat(config.settings().sources()).extracting(SourceEntry::address)
                .containsExactlyElementsOf(NodeSettings.DEFAULT_SOURCES);
        assertThat(config.nodeName()).isEqualTo("node-" + ProcessHandle.current().pid());
        assertThat(config.clusterName()).startsWith("timemesh-" + config.nodeName() + "-");
        assertThat(config.roles()).containsExactly(Role.values());
        assertThat(config.api().httpPort()).isEqualTo(8123);
        assertThat(config.ntp()).isNull();
        assertThat(config.discipline()).isEqualTo(DisciplineSettings.DEFAULTS);
        assertThat(new NodeConfig(new JsonObject().put("cluster", new JsonObject().put("insecure", true))).clusterName())
                .isEqualTo("timemesh");
    }

    /** What a verticle binds from its deployment JSON is exactly what the node derived for it. */
    @Test
    void eachVerticleBindsBackTheSettingsTheNodeDerived() throws Exception {
        NodeConfig config = bind(file("{'sources': ['127.0.0.2', {'address': '127.0.0.3:11123', 'nts': true,"
                + " 'trustedCertificates': 'ca.pem'}], 'pools': [{'name': 'pool.example', 'maxSources': 2}],"
                + " 'sampler': {'timeoutMillis': 500}, 'selector': {'trusted': ['127.0.0.2:123'], 'reselectMillis': 250},"
                + " 'discipline': {'maxDriftPpm': 20, 'leapMode': 'smear', 'leapDays': 'any_month_end'},"
                + " 'http': {'h2c': true}, 'ntpPort': 0, 'ntpRateLimit': {'burst': 4, 'kod': true}}"));
        assertThat(Settings.bind(SamplerConfig.class, Settings.json(config.sampler()))).isEqualTo(config.sampler());
        assertThat(Settings.bind(SelectorSettings.class, Settings.json(config.selector()))).isEqualTo(config.selector());
        assertThat(Settings.bind(DisciplineSettings.class, Settings.json(config.discipline())))
                .isEqualTo(config.discipline());
        assertThat(Settings.bind(ApiSettings.class, Settings.json(config.api()))).isEqualTo(config.api());
        assertThat(Settings.bind(NtpServerSettings.class, Settings.json(config.ntp()))).isEqualTo(config.ntp());
        assertThat(config.selector().maxDriftPpm()).isEqualTo(20);
        assertThat(config.selector().leapDays()).isEqualTo(LeapDays.ANY_MONTH_END);
        assertThat(config.sampler().nts()).containsOnlyKeys("127.0.0.3:11123");
        assertThat(config.ntp().ntpRateLimit()).isEqualTo(new NtpRateLimit(true, 3, 4, 2, true));
    }

    @Test
    void thePanicThresholdIsASettingOfTheDiscipline() {
        assertThat(new NodeConfig(new JsonObject().put("discipline", new JsonObject().put("panicThresholdSeconds", 0)))
                .discipline().panicThresholdSeconds()).isZero();
    }
}
