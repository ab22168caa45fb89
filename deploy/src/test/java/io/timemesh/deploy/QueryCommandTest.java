package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.ServerBehaviour.Fault;
import io.timemesh.testkit.SimulatedNtpServer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code timemesh query} run in-process against simulated servers; the output is what a user sees. */
class QueryCommandTest {

    private static final MonotonicTimescale TRUTH = new MonotonicTimescale();

    private static final Pattern INTERVAL = Pattern.compile("\\[(-?\\d+\\.\\d+), (-?\\d+\\.\\d+)\\]");

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void jsonHasOneObjectPerServerWithTheNamedFields() throws Exception {
        try (SimulatedNtpServer good = SimulatedNtpServer.start("127.0.0.61", TRUTH,
                ServerBehaviour.truthful().withOffset(0.75).withRoot(2, 0.004, 0.002))) {
            CliRun run = run("query", "--json", "--samples", "2", "--interval", "0.05", good.hostPort());
            assertThat(run.exitCode()).isZero();
            JsonNode array = new ObjectMapper().readTree(run.out());
            assertThat(array.isArray()).isTrue();
            assertThat(array).hasSize(1);
            JsonNode server = array.get(0);
            assertThat(server.get("server").asText()).isEqualTo(good.hostPort());
            assertThat(server.get("offsetSeconds").asDouble()).isCloseTo(0.75, within(0.01));
            assertThat(server.get("delaySeconds").asDouble()).isBetween(0.0, 0.1);
            assertThat(server.get("rootDistanceSeconds").asDouble()).isGreaterThan(0.004);
            assertThat(server.get("intervalLowSeconds").asDouble()).isLessThanOrEqualTo(0.75);
            assertThat(server.get("intervalHighSeconds").asDouble()).isGreaterThanOrEqualTo(0.75);
            assertThat(server.get("stratum").asInt()).isEqualTo(2);
            assertThat(server.get("leap").asText()).isEqualTo("none");
            assertThat(server.get("samples").asInt()).isEqualTo(2);
            assertThat(server.get("error").isNull()).isTrue();
        }
    }

    @Test
    void anyFailingServerMakesTheExitNonZeroAndNamesItsReason() throws Exception {
        try (SimulatedNtpServer good = SimulatedNtpServer.start("127.0.0.62", TRUTH, ServerBehaviour.truthful());
             SimulatedNtpServer deny = SimulatedNtpServer.start("127.0.0.63", TRUTH,
                     ServerBehaviour.truthful().withKiss("DENY"));
             SimulatedNtpServer spoof = SimulatedNtpServer.start("127.0.0.64", TRUTH,
                     ServerBehaviour.truthful().withFault(Fault.SPOOFED_ORIGIN));
             SimulatedNtpServer mute = SimulatedNtpServer.start("127.0.0.65", TRUTH,
                     ServerBehaviour.truthful().withFault(Fault.SILENT))) {
            CliRun run = run("query", "--json", "--samples", "1", "--timeout", "1", good.hostPort(), deny.hostPort(),
                    spoof.hostPort(), mute.hostPort());
            assertThat(run.exitCode()).isEqualTo(1);
            JsonNode array = new ObjectMapper().readTree(run.out());
            assertThat(array.get(0).get("error").isNull()).isTrue();
            assertThat(array.get(1).get("error").asText()).isEqualTo("kiss code: DENY");
            assertThat(array.get(1).get("offsetSeconds").isNull()).isTrue();
            assertThat(array.get(2).get("error").asText()).startsWith("bogus origin");
            assertThat(array.get(3).get("error").asText()).startsWith("timeout");

            CliRun table = run("query", "--samples", "1", "--timeout", "1", good.hostPort(), mute.hostPort());
            assertThat(table.exitCode()).isEqualTo(1);
            assertThat(table.out()).contains("OFFSET(s)", good.hostPort(),
                    mute.hostPort() + " ").contains("error: timeout: no valid reply within 1000 ms");
        }
    }

    @Test
    void tableShowsTheIntervalForAGoodServer() throws Exception {
        try (SimulatedNtpServer good = SimulatedNtpServer.start("127.0.0.66", TRUTH,
                ServerBehaviour.truthful().withOffset(-0.5))) {
            CliRun run = run("query", "--samples", "1", good.hostPort());
            assertThat(run.exitCode()).isZero();
            String row = run.out().lines().filter(l -> l.startsWith(good.hostPort())).findFirst().orElseThrow();
            assertThat(row).contains(" 1 SIM ", "none");
            // The simulated offset lies inside the printed interval; the interval's width is the
            // reply's delay, so exact digits depend on how busy the machine is.
            Matcher interval = INTERVAL.matcher(row);
            assertThat(interval.find()).as("interval in %s", row).isTrue();
            assertThat(Double.parseDouble(interval.group(1))).isLessThanOrEqualTo(-0.5);
            assertThat(Double.parseDouble(interval.group(2))).isGreaterThanOrEqualTo(-0.5);
            assertThat(Double.parseDouble(row.split("\\s+")[4])).isCloseTo(-0.5, within(0.05));
        }
    }

    @Test
    void badArgumentsExitTwoWithTheReason() {
        CliRun samples = run("query", "--samples", "0", "127.0.0.1");
        assertThat(samples.exitCode()).isEqualTo(2);
        assertThat(samples.err()).contains("--samples must be 1..64");
        CliRun port = run("query", "127.0.0.1:99999");
        assertThat(port.exitCode()).isEqualTo(2);
        assertThat(port.err()).contains("port must be 1..65535");
        CliRun none = run("query");
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).contains("HOST[:PORT]");
        CliRun timeout = run("query", "--timeout", "abc", "127.0.0.1");
        assertThat(timeout.exitCode()).isEqualTo(2);
    }
}
