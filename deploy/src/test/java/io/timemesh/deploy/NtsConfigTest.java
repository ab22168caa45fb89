package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timemesh.sampler.SamplerConfig;
import io.timemesh.sampler.SourceEntry;
import io.timemesh.sampler.nts.NtsSourceSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
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
        assertThat(config.selector().sources()).containsExactly("127.0.0.7:11123", "127.0.0.8:123");
        SamplerConfig sampler = config.sampler();
        assertThat(sampler.nts()).containsOnlyKeys("127.0.0.7:11123");
        assertThat(sampler.nts().get("127.0.0.7:11123")).isEqualTo(new NtsSourceSettings(14460, Path.of("ca.pem")));
        assertThat(config.duplicateSources()).isEmpty();
    }

    @Test
    void badEntriesNameTheirKey() {
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("sources", new JsonArray()
                .add(new JsonObject().put("address", "127.0.0.7").put("nts", "yes")))))
                .hasMessage("'sources[0].nts' must be true or false, was \"yes\" (config JSON)");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("sources", new JsonArray()
                .add(new JsonObject().put("address", "127.0.0.7").put("nts", true).put("ntsKePort", 0)))))
                .hasMessage("'sources[0].ntsKePort' must be a whole number from 1 to 65535, was 0 (config JSON)");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("sources", new JsonArray()
                .add(new JsonObject().put("address", "127.0.0.7").put("ntsPort", 1)))))
                .hasMessage("unknown config key 'sources[0].ntsPort'; known: [address, nts, ntsKePort, trustedCertificates]"
                        + " (config JSON)");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("sources", new JsonArray()
                .add(new JsonObject().put("address", "127.0.0.7").put("ntsKePort", 4460)))))
                .hasMessage("'sources[0].nts': ntsKePort and trustedCertificates need \"nts\": true (config JSON)");
    }

    @Test
    void ntsOptionsApplyToTheSourceBeforeThem() {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--source", "127.0.0.7:11123", "--nts", "--source-nts-ke-port", "14460",
                "--source-trusted-certificates", "ca.pem", "--source", "127.0.0.8", "--source", "127.0.0.9", "--nts");
        List<SourceEntry> sources = run.config().settings().sources();
        assertThat(sources).containsExactly(new SourceEntry("127.0.0.7:11123", true, 14460, Path.of("ca.pem")),
                SourceEntry.of("127.0.0.8"), new SourceEntry("127.0.0.9", true, null, null));
        assertThat(sources.get(2).ntsSettings()).isEqualTo(new NtsSourceSettings(4460, null));
    }

    @Test
    void ntsOptionsWithoutNtsAreRefused() {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--source", "127.0.0.7", "--source-nts-ke-port", "14460");
        assertThatThrownBy(run::config).hasMessageContaining("--source-nts-ke-port and --source-trusted-certificates need --nts");
    }
}
