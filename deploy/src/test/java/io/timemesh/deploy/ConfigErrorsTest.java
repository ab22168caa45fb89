package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 13 §6: every configuration error says, in one line, what was wrong, where it came from (file,
 * environment, property, option) and what is allowed, with the value as given, exit status 2 and no usage.
 */
class ConfigErrorsTest {

    @TempDir
    Path dir;

    private static CliRun timemesh(String... args) {
        return CliRun.of(args);
    }

    private Path file(String json) throws Exception {
        Path file = dir.resolve("node.json");
        Files.writeString(file, json);
        return file;
    }

    private static void assertOneClearLine(CliRun outcome, int exitCode) {
        assertThat(outcome.exitCode()).as(outcome.err()).isEqualTo(exitCode);
        assertThat(outcome.err().strip().lines()).as(outcome.err()).hasSize(1);
        assertThat(outcome.err()).doesNotContain("Usage", "Exception", "com.fasterxml", "\tat ");
    }

    @AfterEach
    void clearProperties() {
        System.clearProperty("timemesh.discipline.maxDriftPpm");
        System.clearProperty("timemesh.httpPort");
    }

    @Test
    void aRangeThatWouldBreakTheBoundIsRefusedWithItsFullKeyAndLayer() throws Exception {
        System.setProperty("timemesh.discipline.maxDriftPpm", "1e300");
        CliRun outcome = timemesh("run", "--source", "127.0.0.1:9");
        assertOneClearLine(outcome, 2);
        assertThat(outcome.err()).contains("'discipline.maxDriftPpm' must be a number from 0 to 100000, was 1e300 "
                + "(system property timemesh.discipline.maxDriftPpm)");
    }

    @Test
    void aValueOutOfRangeIsShownAsGivenNotClamped() {
        System.setProperty("timemesh.httpPort", "1e12");
        CliRun outcome = timemesh("run", "--source", "127.0.0.1:9");
        assertOneClearLine(outcome, 2);
        assertThat(outcome.err()).contains("'httpPort' must be a whole number from 0 to 65535, was 1e12 "
                + "(system property timemesh.httpPort)").doesNotContain("2147483647");
    }

    @Test
    void fractionsForWholeNumbersAndTheRateLimitAreCheckedBeforeAnythingStarts() throws Exception {
        Path port = file("{\"sources\": [\"127.0.0.1:9\"], \"httpPort\": 18252.9}");
        CliRun fraction = timemesh("run", "--config", port.toString());
        assertOneClearLine(fraction, 2);
        assertThat(fraction.err()).contains("'httpPort' must be a whole number from 0 to 65535, was 18252.9 (config file "
                + port + ")");
        Path rate = file("{\"sources\": [\"127.0.0.1:9\"], \"ntpRateLimit\": {\"interval\": 99}}");
        CliRun interval = timemesh("run", "--config", rate.toString());
        assertOneClearLine(interval, 2);
        assertThat(interval.err()).contains("'ntpRateLimit.interval' must be a whole number from -4 to 12, was 99");
        assertThat(interval.out()).as("nothing started").doesNotContain("serving");
    }

    @Test
    void anUnknownLeapModeListsTheModes() throws Exception {
        Path config = file("{\"sources\": [\"127.0.0.1:9\"], \"discipline\": {\"leapMode\": \"slew\"}}");
        CliRun outcome = timemesh("run", "--config", config.toString());
        assertOneClearLine(outcome, 2);
        assertThat(outcome.err()).contains("'discipline.leapMode' must be one of \"step\", \"smear\", was \"slew\" "
                + "(config file " + config + ")");
        Path days = file("{\"sources\": [\"127.0.0.1:9\"], \"discipline\": {\"leapDays\": \"any\"}}");
        CliRun daysOutcome = timemesh("run", "--config", days.toString());
        assertOneClearLine(daysOutcome, 2);
        assertThat(daysOutcome.err()).contains("'discipline.leapDays' must be one of \"june_december\", "
                + "\"any_month_end\", was \"any\"");
    }

    @Test
    void aPoolOutOfRangeIsNamedByItsEntry() throws Exception {
        Path pools = file("{\"pools\": [{\"name\": \"127.0.0.1:9\", \"maxSources\": 17}]}");
        CliRun outcome = timemesh("run", "--config", pools.toString());
        assertOneClearLine(outcome, 2);
        assertThat(outcome.err()).contains("'pools[0].maxSources' must be a whole number from 1 to 16, was 17",
                "config file " + pools);
        Path typo = file("{\"pools\": [{\"name\": \"127.0.0.1:9\", \"maxSource\": 2}]}");
        CliRun unknown = timemesh("run", "--config", typo.toString());
        assertOneClearLine(unknown, 2);
        assertThat(unknown.err()).contains("'pools[0].maxSource'");
        CliRun option = timemesh("run", "--pool", "pool.example:ntp");
        assertOneClearLine(option, 2);
        assertThat(option.err()).contains("pools[0].name", "port is not a number", "--pool");
    }

    @Test
    void anOptionIsNamedAsTheOption() {
        CliRun outcome = timemesh("run", "--source", "127.0.0.1:9", "--poll", "0");
        assertOneClearLine(outcome, 2);
        assertThat(outcome.err()).contains("'pollSeconds' must be a whole number from 1 to 131072, was 0 (option --poll)");
    }

    @Test
    void anEmptySourceListIsRefused() throws Exception {
        CliRun outcome = timemesh("run", "--config", file("{\"sources\": []}").toString());
        assertOneClearLine(outcome, 2);
        assertThat(outcome.err()).contains("'sources' is empty");
    }

    /**
     * Options and the file are checked as one: an api-only node (--roles) needs no sources, and --source
     * replaces a file's empty list. Each run gets past the check to the HTTP port, taken here on purpose.
     */
    @Test
    void optionsAreCheckedTogetherWithTheConfigFile() throws Exception {
        Path empty = file("{\"sources\": []}");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            for (List<String> options : List.of(List.of("--roles", "discipline,api"),
                    List.of("--source", "127.0.0.1:9"), List.of("--pool", "localhost:9"))) {
                List<String> args = new ArrayList<>(List.of("run", "--config", empty.toString(), "--http-host",
                        "127.0.0.1", "--http-port", String.valueOf(taken.getLocalPort()), "--node-name", "together"));
                args.addAll(options);
                CliRun outcome = timemesh(args.toArray(String[]::new));
                assertThat(outcome.err()).as("%s", options).doesNotContain("'sources' is empty")
                        .contains("HTTP listener on 127.0.0.1:" + taken.getLocalPort());
            }
        }
    }

    @Test
    void aMissingOrBrokenConfigFileSaysSoInTheUsersTerms() throws Exception {
        CliRun missing = timemesh("run", "--config", dir.resolve("nowhere.json").toString());
        assertOneClearLine(missing, 2);
        assertThat(missing.err()).contains("nowhere.json: no such file");
        CliRun broken = timemesh("run", "--config", file("{\n  \"pollSeconds\": 16,\n}").toString());
        assertOneClearLine(broken, 2);
        assertThat(broken.err()).contains("is not valid JSON", "at line 3, column 1");
        CliRun array = timemesh("run", "--config", file("[1, 2]").toString());
        assertOneClearLine(array, 2);
        assertThat(array.err()).contains("is not a JSON object");
    }

    @Test
    void aMalformedUrlIsNamedWithoutAStackTrace() {
        CliRun outcome = timemesh("sources", "--url", "http://[not a host");
        assertOneClearLine(outcome, 2);
        assertThat(outcome.err()).contains("--url 'http://[not a host' is not a URL");
        CliRun scheme = timemesh("tracking", "--url", "127.0.0.1:8123");
        assertOneClearLine(scheme, 2);
        assertThat(scheme.err()).contains("--url '127.0.0.1:8123'", "http://HOST:PORT");
    }

    @Test
    void aPortInUseNamesTheListenerAndThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            CliRun outcome = timemesh("run", "--source", "127.0.0.1:9", "--http-host", "127.0.0.1", "--http-port",
                    String.valueOf(taken.getLocalPort()), "--node-name", "in-use");
            assertOneClearLine(outcome, 1);
            assertThat(outcome.err()).contains("cannot start: HTTP listener on 127.0.0.1:" + taken.getLocalPort(),
                    "Address already in use");
        }
    }

    @Test
    void aHazelcastPortInUseFailsAtOnceNamingTheListener() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            long started = System.nanoTime();
            CliRun outcome = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                    () -> timemesh("run", "--source", "127.0.0.1:9", "--http-host", "127.0.0.1", "--http-port", "0",
                            "--node-name", "hz-in-use", "--cluster", "--insecure-cluster", "--cluster-host", "127.0.0.1",
                            "--cluster-port", String.valueOf(taken.getLocalPort()),
                            "--cluster-name", "hz-in-use-" + Long.toHexString(System.nanoTime())));
            assertOneClearLine(outcome, 1);
            assertThat(outcome.err()).contains("cannot start: Hazelcast listener on 127.0.0.1:" + taken.getLocalPort(),
                    "address already in use", "--cluster-port");
            assertThat((System.nanoTime() - started) / 1e9).as("seconds to fail").isLessThan(10);
        }
    }
}
