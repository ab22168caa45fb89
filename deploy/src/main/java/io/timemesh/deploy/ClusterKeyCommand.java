package io.timemesh.deploy;

import io.timemesh.core.mesh.ClusterKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code timemesh cluster-key FILE}: writes a new cluster key, readable by its owner alone. */
@Command(name = "cluster-key",
        mixinStandardHelpOptions = true,
        description = {"Write a new cluster key to FILE: 32 random bytes, base64, mode 0600. Copy it to every member",
            "and start each with --cluster-key FILE. An existing file is never overwritten."})
public final class ClusterKeyCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "Where to write the key.")
    private Path file;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try {
            // Created with its final mode, so the key is never readable by others, not even for a moment.
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, ClusterKey.generate() + "\n", StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            spec.commandLine().getErr().printf("cluster-key: %s exists; not overwriting a key members may share%n", file);
            return 2;
        } catch (IOException | UnsupportedOperationException e) {
            spec.commandLine().getErr().printf("cluster-key: cannot write %s: %s%n", file, e.getMessage());
            return 1;
        }
        spec.commandLine().getOut().printf("wrote a new cluster key to %s (mode 0600)%n", file);
        return 0;
    }
}
