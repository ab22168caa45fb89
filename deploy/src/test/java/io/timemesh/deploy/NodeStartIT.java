package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.testkit.ChronydServer;
import java.nio.charset.StandardCharsets;
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

    /** With no JVM option, the node also sets what a running JVM takes of jvm.options ({@link JvmTuning}). */
    @Test
    void asTheReadmeStartsItTheNodeSynchronisesWithoutAWarning() throws Exception {
        String flags = startAndCheck(List.of());
        assertThat(flags).containsPattern("MaxHeapFreeRatio += 30 +\\{manageable} \\{management}")
                .containsPattern("MinHeapFreeRatio += 10 +\\{manageable} \\{management}")
                .containsPattern("G1PeriodicGCInterval += 15000 +\\{manageable} \\{management}");
    }

    /** Given JVM options, the node leaves the JVM's flags as they are. */
    @Test
    void withDeployJvmOptionsTheNodeSynchronisesWithoutAWarning() throws Exception {
        String flags = startAndCheck(List.of("@" + Path.of("jvm.options").toAbsolutePath()));
        assertThat(flags).containsPattern("UseSerialGC += true +\\{product} \\{command line}")
                .containsPattern("MaxHeapFreeRatio += 30 +\\{manageable} \\{command line}")
                .doesNotContain("{management}");
    }

    /** Starts the node, waits for SYNCHRONIZED, checks the log and returns {@code jcmd VM.flags -all}'s output. */
    private static String startAndCheck(List<String> jvmOptions) throws Exception {
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
            String flags;
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!Files.readString(log).contains("-> SYNCHRONIZED") && System.nanoTime() < deadline
                        && node.isAlive()) {
                    Thread.sleep(200);
                }
                Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        String.valueOf(node.pid()), "VM.flags", "-all").redirectErrorStream(true).start();
                flags = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(jcmd.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                node.destroy();
                assertThat(node.waitFor(20, TimeUnit.SECONDS)).isTrue();
            }
            String output = Files.readString(log);
            assertThat(output).as(output).contains("-> SYNCHRONIZED");
            // No warning from the start itself. A reply later than the sampler's timeout on a loaded machine says
            // nothing of the configuration; a blocked event loop would, and counts.
            assertThat(output.lines().filter(l -> l.contains(" WARN ") || l.startsWith("WARNING"))
                    .filter(l -> !l.contains(": timeout: no valid reply within")).toList()).as(output).isEmpty();
            return flags;
        } finally {
            Files.delete(log);
        }
    }
}
