package io.timemesh.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code deploy/jvm.options}, the node's JVM options, which the systemd unit and the Kubernetes manifest repeat. */
final class JvmOptionsFile {
    private JvmOptionsFile() {
    }

    /** The options in the file's order, as java reads the @argfile: comments and blank lines left out. */
    static List<String> options() throws IOException {
        return Files.readAllLines(Path.of("jvm.options")).stream().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    }
}
