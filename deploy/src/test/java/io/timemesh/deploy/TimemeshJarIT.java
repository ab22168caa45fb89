package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.testkit.ChronydServer;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The packaged jar, started as a real JVM the way the README says, against a real chronyd and a simulated server. */
class TimemeshJarIT {

    private record Outcome(int exitCode, String stdout, String stderr) {}

    private static Outcome runJar(String... args) throws Exception {
        return runJar(Map.of(), args);
    }

    private static Outcome runJar(Map<String, String> environment, String... args) throws Exception {
        Path jar = Path.of(System.getProperty("timemesh.jar", "target/timemesh.jar"));
        assertThat(jar).exists();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()));
        command.addAll(List.of(args));
        Path err = Files.createTempFile("timemesh-err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String stderr = Files.readString(err);
        Files.delete(err);
        return new Outcome(process.exitValue(), stdout, stderr);
    }

    @Test
    void queryMeasuresChronydAndASimulatedServerFromTheJar() throws Exception {
        try (ChronydServer chronyd = ChronydServer.start("127.0.0.71");
             SimulatedNtpServer ahead = SimulatedNtpServer.start("127.0.0.72", new MonotonicTimescale(),
                     ServerBehaviour.truthful().withOffset(1.5))) {
            Outcome outcome = runJar("query", "--json", "--samples", "4", "--interval", "0.1",
                    chronyd.hostPort(), ahead.hostPort());
            assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
            JsonNode array = new ObjectMapper().readTree(outcome.stdout());
            assertThat(array).hasSize(2);
            // A fresh JVM's first exchanges are slow, so check the honest thing: each interval holds the truth.
            assertThat(array.get(0).get("intervalLowSeconds").asDouble()).isLessThanOrEqualTo(0.0001);
            assertThat(array.get(0).get("intervalHighSeconds").asDouble()).isGreaterThanOrEqualTo(-0.0001);
            assertThat(Math.abs(array.get(0).get("offsetSeconds").asDouble())).isLessThan(0.005);
            assertThat(array.get(0).get("stratum").asInt()).isEqualTo(1);
            assertThat(array.get(1).get("intervalLowSeconds").asDouble()).isLessThanOrEqualTo(1.5);
            assertThat(array.get(1).get("intervalHighSeconds").asDouble()).isGreaterThanOrEqualTo(1.5);
            assertThat(array.get(1).get("offsetSeconds").asDouble()).isCloseTo(1.5, within(0.005));
            assertThat(outcome.stderr()).doesNotContain("Exception");
        }
    }

    @Test
    void badConfigurationFromAnyLayerExitsTwoNamingTheKey() throws Exception {
        Outcome env = runJar(Map.of("TIMEMESH_POLL_SECONDS", "0"), "run", "--source", "127.0.0.1:9");
        assertThat(env.exitCode()).isEqualTo(2);
        assertThat(env.stderr()).contains("'pollSeconds' must be a whole number from 1 to 131072, was 0 "
                + "(environment variable TIMEMESH_POLL_SECONDS)").doesNotContain("Exception", "Usage");
        Path file = Files.createTempFile("bad", ".json");
        Files.writeString(file, "{\"discipline\": {\"maxDriftPPM\": 5}}");
        Outcome bad = runJar("run", "--config", file.toString());
        Files.delete(file);
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).contains("unknown config key 'discipline.maxDriftPPM'", "maxDriftPpm");
    }

    @Test
    void helpAndUsageErrorsComeFromTheJar() throws Exception {
        Outcome help = runJar("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.stdout()).contains("query");
        Outcome bad = runJar("query", "--samples", "-3", "127.0.0.1");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).contains("--samples must be 1..64").doesNotContain("Exception");
    }
}
