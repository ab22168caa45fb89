package io.timemesh.core.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterKeyTest {

    private final ClusterKey key = ClusterKey.of("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));

    @Test
    void theTagIsHmacSha256OverTheLengthPrefixedParts() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
        byte[] expected = mac.doFinal(new byte[] {0, 0, 0, 2, 'a', 'b', 0, 0, 0, 0, 0, 0, 0, 1, 'c'});
        assertThat(key.tag("ab", "", "c")).isEqualTo(expected).hasSize(32);
    }

    @Test
    void anyChangeToThePartsOrTheKeyFailsVerification() {
        byte[] tag = key.tag("bus", "timemesh.reference", "node-a", "7", "{\"x\":1}");
        assertThat(key.verify(tag, "bus", "timemesh.reference", "node-a", "7", "{\"x\":1}")).isTrue();
        assertThat(key.verify(tag, "bus", "timemesh.reference", "node-a", "8", "{\"x\":1}")).isFalse(); // counter
        assertThat(key.verify(tag, "bus", "timemesh.samples", "node-a", "7", "{\"x\":1}")).isFalse(); // address
        assertThat(key.verify(tag, "bus", "timemesh.reference", "node-b", "7", "{\"x\":1}")).isFalse(); // sender
        assertThat(key.verify(tag, "bus", "timemesh.reference", "node-a", "7", "{\"x\":2}")).isFalse(); // body
        // Moving a boundary between parts changes the tag: "ab"+"c" is not "a"+"bc".
        assertThat(key.verify(key.tag("ab", "c"), "a", "bc")).isFalse();
        assertThat(ClusterKey.random().verify(tag, "bus", "timemesh.reference", "node-a", "7", "{\"x\":1}")).isFalse();
        assertThat(key.verify(null, "x")).isFalse();
        assertThat(key.verify(new byte[3], "x")).isFalse();
    }

    @Test
    void aGeneratedKeyIsTheBase64Of32RandomBytes() {
        String generated = ClusterKey.generate();
        assertThat(Base64.getDecoder().decode(generated)).hasSize(32);
        assertThat(generated).hasSize(44).isNotEqualTo(ClusterKey.generate());
    }

    @Test
    void aKeyFileIsReadTrimmedAndMustHoldAtLeast32Bytes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cluster.key");
        String generated = ClusterKey.generate();
        Files.writeString(file, generated + "\n");
        byte[] tag = ClusterKey.read(file).tag("x");
        assertThat(ClusterKey.of(generated.getBytes(StandardCharsets.US_ASCII)).verify(tag, "x")).isTrue();

        Files.writeString(file, "too short\n");
        assertThatThrownBy(() -> ClusterKey.read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("at least 32 bytes")
                .hasMessageContaining("timemesh cluster-key");
        Path missing = dir.resolve("missing.key");
        assertThatThrownBy(() -> ClusterKey.read(missing)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no such file");
    }
}
