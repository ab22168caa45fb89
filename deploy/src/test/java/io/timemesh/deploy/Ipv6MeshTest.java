package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timemesh.core.ntp.ReferenceId;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * IPv6 end to end (issue 13 §3): a node whose sources are all on ::1 synchronises; its HTTP API on "::"
 * and its NTP server (dual-stack by default) answer IPv4 and IPv6 clients; {@code timemesh query} reads
 * it over IPv6; and the refid it serves names its IPv6 system peer by the first four bytes of the
 * address's MD5, as RFC 5905 says.
 */
class Ipv6MeshTest {
    private final MeshFixture mesh = new MeshFixture();

    @AfterEach
    void stop() {
        mesh.close();
    }

    @Test
    void aNodeWithIpv6SourcesServesOverBothFamilies() throws Exception {
        mesh.server("::1", MeshFixture.truthful(3, 1));
        mesh.server("::1", MeshFixture.truthful(1, 3));
        mesh.server("::1", MeshFixture.truthful(2, 2));
        mesh.startNode("six", new JsonObject().put("httpHost", "::").put("ntpPort", 0));
        MeshFixture.Answer answer = mesh.awaitStatus("SYNCHRONIZED", Duration.ofSeconds(30)); // over 127.0.0.1
        assertThat(answer.holdsTruth()).isTrue();

        for (String server : new String[] {"[::1]:" + mesh.node.ntpPort(), "127.0.0.1:" + mesh.node.ntpPort()}) {
            CliRun query = CliRun.of("query", "--json", "--samples", "2", "--interval", "0.05", server);
            assertThat(query.exitCode()).as(query.out()).isZero();
            JsonNode reply = new ObjectMapper().readTree(query.out()).get(0);
            assertThat(reply.get("offsetSeconds").asDouble()).as(server).isCloseTo(0.3, within(0.01));
            assertThat(reply.get("stratum").asInt()).isEqualTo(2);
            String peer = mesh.status().getString("systemPeer");
            assertThat(peer).isIn(mesh.servers.stream().map(SimulatedNtpServer::hostPort).toList()).startsWith("[");
            int refid = ReferenceId.ofAddress(peer); // MD5 of the IPv6 address, its first four bytes
            assertThat(reply.get("refid").asText()).isEqualTo((refid >>> 24) + "." + (refid >>> 16 & 0xff) + "."
                    + (refid >>> 8 & 0xff) + "." + (refid & 0xff));
        }
    }
}
