package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/systemd/timemesh.service as systemd itself reads it: {@code systemd-analyze verify} accepts it and
 * {@code systemd-analyze security --offline=true} rates its exposure no worse than Debian's chrony unit
 * (3.7). Neither needs a running systemd, so both run in CI; systemd-analyze missing is a failure
 * (scripts/install-test-deps installs it), never a skip.
 */
class SystemdUnitTest {
    private static final Path UNIT = Path.of("systemd", "timemesh.service");
    private static final double CHRONY_EXPOSURE = 3.7;
    private static final Pattern EXPOSURE = Pattern.compile("Overall exposure level for timemesh\\.service: (\\d+\\.\\d+)");

    private record Outcome(int exitCode, String output) {}

    @Test
    void systemdAcceptsTheUnit() throws Exception {
        Outcome verify = systemdAnalyze("verify", UNIT.getFileName().toString());
        assertThat(verify.exitCode()).as(verify.output()).isZero();
        assertThat(verify.output()).as("systemd-analyze verify warnings").isBlank();
    }

    @Test
    void itsExposureIsAtMostChronys() throws Exception {
        Outcome security = systemdAnalyze("security", "--offline=true", "--no-pager", UNIT.getFileName().toString());
        assertThat(security.exitCode()).as(security.output()).isZero();
        Matcher score = EXPOSURE.matcher(security.output());
        assertThat(score.find()).as(security.output()).isTrue();
        double exposure = Double.parseDouble(score.group(1));
        System.out.printf("systemd-analyze security: timemesh.service exposure %.1f (Debian's chrony.service: %.1f)%n",
                exposure, CHRONY_EXPOSURE);
        assertThat(exposure).isLessThanOrEqualTo(CHRONY_EXPOSURE);
    }

    @Test
    void sigtermIsSuccessPort123IsAllowedAndTheJvmExitsOnOutOfMemory() throws IOException {
        Map<String, List<String>> service = serviceSection();
        assertThat(service.get("SuccessExitStatus")).containsExactly("143"); // 128 + SIGTERM: the JVM's clean stop
        assertThat(service.get("AmbientCapabilities")).containsExactly("CAP_NET_BIND_SERVICE");
        assertThat(service.get("CapabilityBoundingSet")).containsExactly("CAP_NET_BIND_SERVICE");
        assertThat(String.join(" ", service.get("Environment"))).contains("-XX:+ExitOnOutOfMemoryError", "-Xmx");
        assertThat(service.get("ExecStart")).singleElement().asString().contains("$JAVA_OPTS");
    }

    @Test
    void theJvmOptionsAreDeployJvmOptions() throws IOException {
        String javaOpts = serviceSection().get("Environment").stream().filter(e -> e.contains("JAVA_OPTS="))
                .findFirst().orElseThrow();
        assertThat(javaOpts).isEqualTo("\"JAVA_OPTS=" + String.join(" ", JvmOptionsFile.options()) + "\"");
    }

    /** The [Service] section's settings, every value of a repeated key in order. */
    private static Map<String, List<String>> serviceSection() throws IOException {
        Map<String, List<String>> settings = new LinkedHashMap<>();
        String section = "";
        for (String line : Files.readAllLines(UNIT)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("[")) {
                section = trimmed;
            } else if (section.equals("[Service]") && !trimmed.isEmpty() && !trimmed.startsWith("#")) {
                int eq = trimmed.indexOf('=');
                settings.computeIfAbsent(trimmed.substring(0, eq), k -> new ArrayList<>()).add(trimmed.substring(eq + 1));
            }
        }
        return settings;
    }

    private static Outcome systemdAnalyze(String... args) throws Exception {
        Path tool = Path.of("/usr/bin/systemd-analyze");
        assertThat(tool).as("systemd-analyze (Debian package systemd; scripts/install-test-deps installs it)").isExecutable();
        List<String> command = new ArrayList<>(List.of(tool.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(UNIT.getParent().toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Outcome(process.exitValue(), output);
    }
}
