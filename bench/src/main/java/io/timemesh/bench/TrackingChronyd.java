package io.timemesh.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * chronyd as a client of the benchmark's sources, never touching this machine's clock ({@code -x}),
 * read with {@code chronyc} over a command socket in a private directory.
 */
final class TrackingChronyd implements AutoCloseable {
    private final Process process;
    private final Path socket;

    /**
     * What {@code chronyc tracking} reports, in seconds. The correction ("System time", positive when
     * the system clock is slow) is chrony's estimate of true time less the system clock: -x never applies it.
     */
    record Tracking(double correction, double rootDelay, double rootDispersion, String leap) {
        /**
         * AWS ClockBound's half-width, |offset| + root dispersion + root delay / 2, about chrony's estimate.
         * ClockBound's offset is the system clock's from chrony's estimate, the correction not yet applied;
         * here the estimate itself is what is judged (with -x the system clock is never corrected), so that
         * term is 0.
         */
        double boundHalfWidth() {
            return rootDispersion + rootDelay / 2;
        }
    }

    /** Starts chronyd polling every {@code sources} entry ("host:port") each second. */
    TrackingChronyd(List<String> sources, Path directory) throws IOException {
        Files.createDirectories(directory);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------")); // chronyd insists
        socket = directory.resolve("chronyd.sock");
        List<String> conf = new ArrayList<>();
        for (String source : sources) {
            String[] hostPort = source.split(":");
            conf.add("server " + hostPort[0] + " port " + hostPort[1] + " minpoll 0 maxpoll 0 iburst");
        }
        conf.addAll(List.of("port 0", "cmdport 0", "bindcmdaddress " + socket, "pidfile " + directory.resolve("chronyd.pid"),
                ""));
        Path file = directory.resolve("chrony.conf");
        Files.writeString(file, String.join("\n", conf), StandardCharsets.US_ASCII);
        Files.createDirectories(Path.of("/run/chrony")); // where chronyc binds its own end of the command socket
        process = new ProcessBuilder("/usr/sbin/chronyd", "-x", "-d", "-u", "root", "-f", file.toString())
                .redirectErrorStream(true).redirectOutput(directory.resolve("chronyd.log").toFile()).start();
    }

    long pid() {
        return process.pid();
    }

    /** {@code chronyc tracking}, or null while chronyd has no reference yet. */
    Tracking tracking() throws IOException, InterruptedException {
        String[] f = chronyc("tracking").get(0).split(",");
        // CSV: ref id, name, stratum, ref time, system time, last offset, rms offset, frequency, residual freq, skew,
        // root delay, root dispersion, update interval, leap status
        if (f.length < 14 || f[0].equals("00000000") || f[0].equals("7F7F0101")) {
            return null;
        }
        return new Tracking(Double.parseDouble(f[4]), Double.parseDouble(f[10]), Double.parseDouble(f[11]), f[13]);
    }

    /** Every source's reach register (the last eight polls, one bit each). */
    List<Integer> reach() throws IOException, InterruptedException {
        // CSV: mode, state, name, stratum, poll, reach (octal), ...
        return chronyc("sources").stream().map(line -> Integer.parseInt(line.split(",")[5], 8)).toList();
    }

    private List<String> chronyc(String command) throws IOException, InterruptedException {
        Process chronyc = new ProcessBuilder("/usr/bin/chronyc", "-c", "-n", "-h", socket.toString(), command)
                .redirectErrorStream(true).start();
        List<String> lines = new String(chronyc.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).lines().toList();
        if (!chronyc.waitFor(10, TimeUnit.SECONDS) || chronyc.exitValue() != 0 || lines.isEmpty()) {
            throw new IOException("chronyc " + command + " failed: " + lines);
        }
        return lines;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
