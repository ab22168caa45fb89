package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A node that can no longer serve exits with {@link FatalErrors#EXIT_STATUS} and says why in one line, so that its
 * supervisor restarts it: each way of breaking runs in a JVM of its own with a 64 MiB heap ({@link FatalProbe}).
 */
class FatalErrorsTest {

    @ParameterizedTest
    @CsvSource({
        "thrown-in-handler,   thrown in a Vert.x handler",
        "uncaught-in-thread,  uncaught in thread Thread[worker-probe",
        "hazelcast,           Hazelcast ran out of memory",
        "heap-full-swallowed, fatal: ",
        "deaf-event-loop,     ran nothing for as long as PT2S"})
    void aNodeThatCannotServeExitsSoItIsRestarted(String fault, String reason) throws Exception {
        Result result = run(fault);
        assertThat(result.status()).as(result.output()).isEqualTo(FatalErrors.EXIT_STATUS);
        assertThat(result.output()).contains("fatal: ").contains(reason)
                .contains("exiting with status " + FatalErrors.EXIT_STATUS);
    }

    @ParameterizedTest
    @CsvSource("healthy")
    void aHealthyNodeIsLeftAlone(String fault) throws Exception {
        Result result = run(fault);
        assertThat(result.status()).as(result.output()).isZero();
        assertThat(result.output()).doesNotContain("fatal: ");
    }

    private record Result(int status, String output) {
    }

    private static Result run(String fault) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        File log = File.createTempFile("fatal-probe", ".log");
        Process process = new ProcessBuilder(List.of(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                FatalProbe.class.getName(), fault)).redirectErrorStream(true).redirectOutput(log).start();
        try {
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the probe ended within 30 s").isTrue();
            return new Result(process.exitValue(), Files.readString(log.toPath(), StandardCharsets.UTF_8));
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(log.toPath());
        }
    }
}
