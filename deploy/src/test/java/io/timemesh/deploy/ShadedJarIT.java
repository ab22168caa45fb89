package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What the packaged jar says about itself: its own version and commit, and only true versions of what it bundles. */
class ShadedJarIT {
    private static final Path JAR = Path.of(System.getProperty("timemesh.jar", "target/timemesh.jar"));
    private static final Pattern DESCRIPTOR = Pattern.compile("META-INF/maven/([^/]+)/([^/]+)/pom\\.properties");

    @Test
    void versionPrintsTheMavenVersionAndTheGitCommitTheJarWasBuiltFrom() throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JAR.toString(), "--version").redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        String commit = System.getProperty("timemesh.gitCommit");
        assertThat(commit).as("the commit Maven's git plugin read (or the nogit profile's)").matches("[0-9a-f]{40}|unknown");
        assertThat(out).isEqualTo("timemesh " + System.getProperty("timemesh.version") + " (commit " + commit + ")");
    }

    /**
     * Every Maven descriptor in the jar names an artifact the jar really bundles, at the version bundled (the
     * one on this build's classpath): scanners read these, and a library's copy of another's descriptor (as
     * Hazelcast carries jackson-core 2.15.2's) would label the jar's own classes with the wrong version.
     */
    @Test
    void everyBundledMavenDescriptorNamesTheVersionReallyBundled() throws Exception {
        List<String> classpath = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
        List<String> checked = new ArrayList<>();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            for (JarEntry entry : jar.stream().toList()) {
                Matcher descriptor = DESCRIPTOR.matcher(entry.getName());
                if (!descriptor.matches()) {
                    continue;
                }
                Properties pom = new Properties();
                try (InputStream in = jar.getInputStream(entry)) {
                    pom.load(in);
                }
                String group = descriptor.group(1);
                String artifact = descriptor.group(2);
                String version = pom.getProperty("version");
                if (group.equals("io.timemesh")) {
                    assertThat(version).isEqualTo(System.getProperty("timemesh.version"));
                    continue;
                }
                String coordinates = "/" + group.replace('.', '/') + "/" + artifact + "/";
                List<String> bundled = classpath.stream().filter(p -> p.contains(coordinates))
                        .map(p -> p.substring(p.indexOf(coordinates) + coordinates.length()).split("/")[0]).toList();
                assertThat(bundled).as(entry.getName() + " (version " + version + ") names an artifact on the classpath")
                        .containsExactly(version);
                checked.add(group + ":" + artifact + ":" + version);
            }
        }
        System.out.println(checked.size() + " Maven descriptors in the jar, each the version bundled");
        assertThat(checked).contains("com.fasterxml.jackson.core:jackson-core:" + jacksonCore());
    }

    private static String jacksonCore() {
        return com.fasterxml.jackson.core.json.PackageVersion.VERSION.toString();
    }
}
