package io.timemesh.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.jar.Attributes;
import java.util.jar.Manifest;

/**
 * What this build is: the Maven version and the git commit, as the runnable jar's manifest records them
 * ({@code Implementation-Version}, {@code Git-Commit}, written by the deploy pom). Outside the packaged jar
 * (tests, an IDE) there is no such manifest and both are {@value #UNKNOWN}.
 *
 * @param version the Maven project version, e.g. {@code 0.1.0-SNAPSHOT}
 * @param commit  the full git commit id, or {@value #UNKNOWN} when built outside a git checkout
 */
public record BuildInfo(String version, String commit) {
    static final String UNKNOWN = "unknown";

    /** The build this class was loaded from. Never throws: an unreadable manifest is an unknown build. */
    public static BuildInfo current() {
        URL location = BuildInfo.class.getProtectionDomain().getCodeSource().getLocation();
        if (location == null || !location.getPath().endsWith(".jar")) {
            return new BuildInfo(UNKNOWN, UNKNOWN);
        }
        try (InputStream in = new URL("jar:" + location + "!/META-INF/MANIFEST.MF").openStream()) {
            Attributes main = new Manifest(in).getMainAttributes();
            return new BuildInfo(orUnknown(main.getValue("Implementation-Version")), orUnknown(main.getValue("Git-Commit")));
        } catch (IOException e) {
            return new BuildInfo(UNKNOWN, UNKNOWN);
        }
    }

    private static String orUnknown(String value) {
        return value == null || value.isBlank() ? UNKNOWN : value;
    }

    /** One line for {@code timemesh --version}: {@code timemesh VERSION (commit ID)}. */
    public String describe() {
        return "timemesh " + version + " (commit " + commit + ")";
    }
}
