package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster key from the packaged jar: made, required, checked; and what a default node listens on. */
class ClusterKeyJarIT {
    private static final Pattern SERVING = Pattern.compile("serving http://[^:]+:(\\d+)/time");

    private record Outcome(int exitCode, String stdout, String stderr) {}

    private static ProcessBuilder jar(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", System.getProperty("timemesh.jar", "target/timemesh.jar")));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    private static Outcome run(String... args) throws Exception {
        Process process = jar(args).start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Outcome(process.exitValue(), stdout, stderr);
    }

    @Test
    void aKeyIsWrittenOwnerOnlyAndNeverOverwritten(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("cluster.key");
        Outcome made = run("cluster-key", key.toString());
        assertThat(made.exitCode()).as(made.stderr()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        String written = Files.readString(key).strip();
        assertThat(Base64.getDecoder().decode(written)).hasSize(32);

        Outcome again = run("cluster-key", key.toString());
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.stderr()).contains("exists");
        assertThat(Files.readString(key).strip()).isEqualTo(written);
    }

    @Test
    void aClusterWithoutAGoodKeyIsRefusedWithHowToMakeOne(@TempDir Path dir) throws Exception {
        Outcome keyless = run("run", "--cluster", "--source", "127.0.0.1:9");
        assertThat(keyless.exitCode()).isEqualTo(2);
        assertThat(keyless.stderr()).contains("timemesh cluster-key FILE", "--cluster-key", "--insecure-cluster")
                .doesNotContain("Exception");

        Path shortKey = dir.resolve("short.key");
        Files.writeString(shortKey, "not 32 bytes\n");
        Outcome tooShort = run("run", "--cluster", "--cluster-key", shortKey.toString(), "--source", "127.0.0.1:9");
        assertThat(tooShort.exitCode()).isEqualTo(2);
        assertThat(tooShort.stderr()).contains("at least 32 bytes");

        Outcome missing = run("run", "--cluster-key", dir.resolve("nope.key").toString(), "--source", "127.0.0.1:9");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stderr()).contains("no such file");

        Outcome both = run("run", "--cluster-key", shortKey.toString(), "--insecure-cluster", "--source", "127.0.0.1:9");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.stderr()).contains("exclude each other");
    }

    /** Like {@code ss -tlnp} on a default single node: only the HTTP port listens, on loopback or beyond. */
    @Test
    void aDefaultNodeListensBeyondLoopbackOnlyForHttp() throws Exception {
        Process node = jar("run", "--source", "127.0.0.1:9", "--http-port", "0").redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
            String httpPort = null;
            for (String line = out.readLine(); line != null && httpPort == null; line = out.readLine()) {
                Matcher m = SERVING.matcher(line);
                if (m.find()) {
                    httpPort = m.group(1);
                }
            }
            assertThat(httpPort).as("the node said where it serves").isNotNull();
            Process ss = new ProcessBuilder("ss", "-Htlnp").start();
            String listening = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(ss.waitFor()).isZero();
            List<String> ours = listening.lines().filter(l -> l.contains("pid=" + node.pid() + ",")).toList();
            System.out.println("the node's TCP listeners:\n" + String.join("\n", ours));
            // A single node runs no cluster (no Hazelcast member, no event-bus listener): its HTTP port alone listens.
            String port = httpPort;
            assertThat(ours).singleElement().satisfies(line -> assertThat(line.trim().split("\\s+")[3]).isIn(
                    "0.0.0.0:" + port, "*:" + port, "[::]:" + port));
        } finally {
            node.destroy();
            node.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
