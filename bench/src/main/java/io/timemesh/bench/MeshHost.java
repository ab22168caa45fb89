package io.timemesh.bench;

import io.timemesh.deploy.TimemeshCli;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Several timemesh nodes in one JVM, for {@link MeshScaleBench}: each is what {@code timemesh run} starts (its own
 * Vert.x, Hazelcast member, event bus and verticles), so a message between two of them still crosses the cluster
 * event bus over loopback TCP; they share the JVM's heap, JIT and classes, which is what lets 16 nodes share 2
 * cores. Runs until the process is stopped (each node's shutdown hook stops it); exits with a node's status at
 * once if that node does not start.
 * Usage: {@code MeshHost RUN_OPTIONS... [+ RUN_OPTIONS...]...}, one group of {@code run} options per node.
 */
public final class MeshHost {
    /** Separates one node's run options from the next's. */
    static final String NEXT = "+";

    private MeshHost() {}

    public static void main(String[] args) throws InterruptedException {
        List<Thread> nodes = new ArrayList<>();
        for (List<String> options : split(args)) {
            List<String> command = new ArrayList<>(List.of("run"));
            command.addAll(options);
            Thread node = new Thread(() -> {
                int status = TimemeshCli.commandLine().execute(command.toArray(String[]::new));
                if (status != 0) {
                    System.exit(status);
                }
            }, "mesh-host-" + nodes.size());
            node.start();
            nodes.add(node);
        }
        for (Thread node : nodes) {
            node.join();
        }
    }

    /** The groups of {@code args} between {@link #NEXT}s (none empty). */
    static List<List<String>> split(String[] args) {
        List<List<String>> groups = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= args.length; i++) {
            if (i == args.length || args[i].equals(NEXT)) {
                if (i > from) {
                    groups.add(Arrays.asList(args).subList(from, i));
                }
                from = i + 1;
            }
        }
        return groups;
    }
}
