package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.testkit.ChronydServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A node started from the packaged jar as the README starts it (no JVM option) and as the systemd unit and the
 * Kubernetes manifest do (deploy/jvm.options), against a real chronyd: it synchronises, and nothing it logs
 * on the way is a warning (Micrometer's about meter filters and gauges were; Hazelcast's about module access
 * would be, were the jar's Add-Opens not applied).
 */
class NodeStartIT {

    @Test
    void asTheReadmeStartsItTheNodeSynchronisesWithoutAWarning() throws Exception {
        startAndCheck(List.of());
    }

    @Test
    void withDeployJvmOptionsTheNodeSynchronisesWithoutAWarning() throws Exception {
        startAndCheck(List.of("@" + Path.of("jvm.options").toAbsolutePath()));
    }

    private static void startAndCheck(List<String> jvmOptions) throws Exception {
        Path jar = Path.of(System.getProperty("timemesh.jar", "target/timemesh.jar"));
        assertThat(jar).exists();
        Path log = Files.createTempFile("timemesh-start", ".log");
        try (ChronydServer chronyd = ChronydServer.start("127.0.0.73")) {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", jar.toString(), "run", "--source", chronyd.hostPort(), "--poll", "1",
                    "--http-host", "127.0.0.1", "--http-port", "0"));
            Process node = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!Files.readString(log).contains("-> SYNCHRONIZED") && System.nanoTime() < deadline
                        && node.isAlive()) {
                    Thread.sleep(200);
                }
            } finally {
                node.destroy();
                assertThat(node.waitFor(20, TimeUnit.SECONDS)).isTrue();
            }
            String output = Files.readString(log);
            assertThat(output).as(output).contains("-> SYNCHRONIZED");
            assertThat(output.lines().filter(l -> l.contains(" WARN ") || l.startsWith("WARNING")).toList())
                    .as(output).isEmpty();
        } finally {
            Files.delete(log);
        }
    }
}
