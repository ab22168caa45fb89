package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timemesh.sampler.SamplerConfig;
import io.timemesh.sampler.nts.NtsSourceSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Sources with NTS (RFC 8915), from the config file and from {@code --source HOST --nts}. */
class NtsConfigTest {

    @Test
    void aConfigEntryWithNtsIsASourceLikeAnyOtherWithItsNtsSettings() {
        NodeConfig config = new NodeConfig(new JsonObject().put("sources", new JsonArray()
                .add(new JsonObject().put("address", "127.0.0.7:11123").put("nts", true).put("ntsKePort", 14460)
                        .put("trustedCertificates", "ca.pem"))
                .add("127.0.0.8")));
        assertThat(config.selectorConfig().getJsonArray("sources")).containsExactly("127.0.0.7:11123", "127.0.0.8:123");
        SamplerConfig sampler = SamplerConfig.fromJson(config.samplerConfig());
        assertThat(sampler.nts()).containsOnlyKeys("127.0.0.7:11123");
        assertThat(sampler.nts().get("127.0.0.7:11123")).isEqualTo(new NtsSourceSettings(14460, Path.of("ca.pem")));
        assertThat(config.duplicateSources()).isEmpty();
    }

    @Test
    void badEntriesNameTheirKey() {
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("sources", new JsonArray()
                .add(new JsonObject().put("address", "127.0.0.7").put("nts", "yes")))))
                .hasMessageContaining("'sources[0].nts' must be true or false, was yes");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("sources", new JsonArray()
                .add(new JsonObject().put("address", "127.0.0.7").put("nts", true).put("ntsKePort", 0)))))
                .hasMessageContaining("sources[0].ntsKePort");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("sources", new JsonArray()
                .add(new JsonObject().put("address", "127.0.0.7").put("ntsPort", 1)))))
                .hasMessageContaining("unknown config key 'sources[0].ntsPort'");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("sources", new JsonArray()
                .add(new JsonObject().put("address", "127.0.0.7").put("ntsKePort", 4460)))))
                .hasMessageContaining("'sources[0]' sets NTS options without \"nts\": true");
    }

    @Test
    void ntsOptionsApplyToTheSourceBeforeThem() {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--source", "127.0.0.7:11123", "--nts", "--source-nts-ke-port", "14460",
                "--source-trusted-certificates", "ca.pem", "--source", "127.0.0.8", "--source", "127.0.0.9", "--nts");
        JsonArray sources = run.config().json().getJsonArray("sources");
        assertThat(sources.getValue(0)).isEqualTo(new JsonObject().put("address", "127.0.0.7:11123").put("nts", true)
                .put("ntsKePort", 14460).put("trustedCertificates", "ca.pem"));
        assertThat(sources.getValue(1)).isEqualTo("127.0.0.8");
        assertThat(sources.getValue(2)).isEqualTo(new JsonObject().put("address", "127.0.0.9").put("nts", true)
                .put("ntsKePort", 4460));
    }

    @Test
    void ntsOptionsWithoutNtsAreRefused() {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--source", "127.0.0.7", "--source-nts-ke-port", "14460");
        assertThatThrownBy(run::config).hasMessageContaining("--source-nts-ke-port and --source-trusted-certificates need --nts");
    }
}
