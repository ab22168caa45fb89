package io.timemesh.core.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timemesh.core.clock.LeapMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsTest {

    /** A section with one key of each kind the binder checks. */
    public record Tuning(@Whole(min = 1, max = 100) int window, @Real(max = 1e5) double driftPpm,
                         @Real(positive = true, max = 10) double boundSeconds, boolean fast, LeapMode leapMode,
                         Path file) {
        public static final Tuning DEFAULTS = new Tuning(8, 15, 1, false, LeapMode.STEP, null);
    }

    /** An entry of a list: a plain string, or an object with a required name. */
    public record Entry(@JsonProperty(required = true) String name, @Whole(min = 1, max = 16) int count) {
        public static final Entry DEFAULTS = new Entry(null, 4);

        public Entry {
            if (name != null && name.isBlank()) {
                throw SettingException.refused("name", "\"" + name + "\"", "a name that is not blank");
            }
        }

        @JsonCreator
        public static Entry of(String name) {
            return new Entry(name, DEFAULTS.count);
        }
    }

    public record Root(@Whole(min = 0, max = 65_535) int port, String host, Tuning tuning, List<Entry> entries,
                       Tuning optional) {
        public static final Root DEFAULTS = new Root(8123, "0.0.0.0", Tuning.DEFAULTS, List.of(), null);
    }

    private static Layer file(String json) {
        try {
            return Layer.of("config file node.json", (ObjectNode) Settings.MAPPER.readTree(json.replace('\'', '"')));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Root bind(Layer... layers) {
        return Settings.bind(Root.class, List.of(layers));
    }

    @Test
    void absentKeysTakeEachSectionsDefaults() {
        Root root = bind(file("{'tuning': {'window': 16}, 'optional': {'fast': true}}"));
        assertThat(root.port()).isEqualTo(8123);
        assertThat(root.tuning()).isEqualTo(new Tuning(16, 15, 1, false, LeapMode.STEP, null));
        assertThat(root.optional()).as("a section given takes its defaults too")
                .isEqualTo(new Tuning(8, 15, 1, true, LeapMode.STEP, null));
        assertThat(bind().optional()).as("a section not given stays absent").isNull();
        assertThat(bind(file("{'entries': ['a', {'name': 'b', 'count': 2}]}")).entries())
                .containsExactly(new Entry("a", 4), new Entry("b", 2));
    }

    /** Each bad value from the file is refused with its full key, the value as written, what is allowed and where. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{'port': 18252.9}                  | 'port' must be a whole number from 0 to 65535, was 18252.9 (config file node.json)",
        "{'port': 1e12}                     | 'port' must be a whole number from 0 to 65535, was 1000000000000 (config file node.json)",
        "{'port': '80'}                     | 'port' must be a whole number from 0 to 65535, was \"80\" (config file node.json)",
        "{'port': null}                     | 'port' must be a whole number from 0 to 65535, was null (config file node.json)",
        "{'host': 5}                        | 'host' must be a string, was 5 (config file node.json)",
        "{'tuning': {'window': 0}}          | 'tuning.window' must be a whole number from 1 to 100, was 0 (config file node.json)",
        "{'tuning': {'driftPpm': -1}}       | 'tuning.driftPpm' must be a number from 0 to 100000, was -1 (config file node.json)",
        "{'tuning': {'boundSeconds': 0}}    | 'tuning.boundSeconds' must be a number greater than 0, at most 10, was 0 (config file node.json)",
        "{'tuning': {'fast': 'yes'}}        | 'tuning.fast' must be true or false, was \"yes\" (config file node.json)",
        "{'tuning': {'leapMode': 'slew'}}   | 'tuning.leapMode' must be one of \"step\", \"smear\", was \"slew\" (config file node.json)",
        "{'tuning': {'leapMode': 'STEP'}}   | 'tuning.leapMode' must be one of \"step\", \"smear\", was \"STEP\" (config file node.json)",
        "{'tuning': {'file': 1}}            | 'tuning.file' must be a file name, was 1 (config file node.json)",
        "{'tuning': 3}                      | 'tuning' must be a JSON object, was 3 (config file node.json)",
        "{'entries': 'a'}                   | 'entries' must be a JSON array, was \"a\" (config file node.json)",
        "{'entries': ['a', 7]}              | 'entries[1]' must be a string or a JSON object, was 7 (config file node.json)",
        "{'entries': [{'count': 2}]}        | 'entries[0].name' must be a string, was nothing (config file node.json)",
        "{'entries': [{'name': 'a', 'count': 17}]} | 'entries[0].count' must be a whole number from 1 to 16, was 17 (config file node.json)",
        "{'entries': [{'name': ' '}]}       | 'entries[0].name' must be a name that is not blank, was \" \" (config file node.json)",
        "{'entries': [{'name': 'a', 'cont': 2}]} | unknown config key 'entries[0].cont'; known: [count, name] (config file node.json)",
        "{'tuning': {'windw': 2}}           | unknown config key 'tuning.windw'; known: [boundSeconds, driftPpm, fast, file, leapMode, window] (config file node.json)",
        "{'prot': 2}                        | unknown config key 'prot'; known: [entries, host, optional, port, tuning] (config file node.json)",
    })
    void aBadValueIsRefusedByItsFullKeyWithItsLayer(String json, String message) {
        assertThatThrownBy(() -> bind(file(json))).isInstanceOf(SettingException.class).hasMessage(message);
    }

    @Test
    void laterLayersOverrideEarlierOnesKeyByKeyAndEachRefusalNamesItsOwnLayer() {
        Layer environment = Layer.empty().put(List.of("tuning", "window"), "32", "environment variable T_TUNING__WINDOW");
        Layer property = Layer.empty().put(List.of("port"), "9000", "system property t.port");
        Root root = bind(file("{'port': 1, 'tuning': {'window': 2, 'driftPpm': 20}}"), environment, property);
        assertThat(root.port()).isEqualTo(9000);
        assertThat(root.tuning().window()).isEqualTo(32);
        assertThat(root.tuning().driftPpm()).as("kept from the file").isEqualTo(20);

        assertThatThrownBy(() -> bind(file("{'port': 1}"),
                Layer.empty().put(List.of("tuning", "driftPpm"), "1e300", "system property t.tuning.driftPpm")))
                .hasMessage("'tuning.driftPpm' must be a number from 0 to 100000, was 1e300 "
                        + "(system property t.tuning.driftPpm)");
        assertThatThrownBy(() -> bind(Layer.empty().put(List.of("tuning", "windowz"), "2", "environment variable W")))
                .hasMessageStartingWith("unknown config key 'tuning.windowz'").hasMessageEndingWith("(environment variable W)");
        assertThatThrownBy(() -> bind(Layer.empty().put(List.of("port"), "lots", "option --port")))
                .hasMessage("'port' must be a whole number from 0 to 65535, was lots (option --port)");
        assertThatThrownBy(() -> bind(file("{'port': 1}"), Layer.empty().put(List.of("port", "x"), "1", "option --x")))
                .hasMessage("'port' must be a whole number from 0 to 65535, was {\"x\":1} (option --x)");
    }

    @Test
    void settingsWrittenAsJsonBindBackToTheSame() {
        Root root = bind(file("{'tuning': {'leapMode': 'smear', 'file': 'keys/a.pem'}, 'entries': ['a']}"));
        String json = Settings.json(root);
        assertThat(json).contains("\"leapMode\":\"smear\"", "\"file\":\"keys/a.pem\"");
        assertThat(Settings.bind(Root.class, json)).isEqualTo(root);
    }

    @Test
    void aConfigFileThatIsNotJsonSaysWhereInTheUsersTerms(@TempDir Path dir) throws Exception {
        Path broken = Files.writeString(dir.resolve("node.json"), "{\n  \"port\": 16,\n}");
        assertThatThrownBy(() -> Layer.file(broken)).hasMessageContaining("is not valid JSON")
                .hasMessageContaining("at line 3, column 1");
        assertThatThrownBy(() -> Layer.file(Files.writeString(dir.resolve("a.json"), "[1]")))
                .hasMessageContaining("is not a JSON object");
        assertThatThrownBy(() -> Layer.file(dir.resolve("nowhere.json"))).hasMessageEndingWith("nowhere.json: no such file");
        assertThat(bind(Layer.file(Files.writeString(dir.resolve("b.json"), "{\"port\": 7}"))).port()).isEqualTo(7);
    }
}
