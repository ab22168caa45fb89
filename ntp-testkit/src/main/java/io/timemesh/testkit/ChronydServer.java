package io.timemesh.testkit;

import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real chronyd serving NTP on a loopback address: {@code chronyd -x -d -u root -f conf} with
 * {@code local stratum 1}, no command port and no clock control, so it never touches the machine's
 * clock. A missing chronyd is an error, never a skip: CI installs it.
 */
public final class ChronydServer implements AutoCloseable {
    /** Where Debian's chrony package puts it. */
    public static final String CHRONYD = "/usr/sbin/chronyd";

    private Process process;
    private final Path directory;
    private final String host;
    private final int port;

    private final int ntsKePort;

    private ChronydServer(Process process, Path directory, String host, int port, int ntsKePort) {
        this.process = process;
        this.directory = directory;
        this.host = host;
        this.port = port;
        this.ntsKePort = ntsKePort;
    }

    /** Starts chronyd on {@code host} and a free port, and returns once it answers NTP requests. */
    public static ChronydServer start(String host) throws IOException, InterruptedException {
        return start(host, null);
    }

    /**
     * Starts chronyd on {@code host} serving NTS (RFC 8915) as well: NTS-KE on a free TCP port with
     * {@code certificate}'s PEM certificate and private key, and NTS-authenticated NTP on its NTP port
     * (which its NTS-KE names, since it is not 123). Returns once it answers NTP requests.
     *
     * @param extraLines more chrony.conf lines, e.g. {@code ntsntpserver ADDRESS}, which makes its NTS-KE send
     *                   clients' NTP to another address (a test's proxy)
     */
    public static ChronydServer startNts(String host, TestCertificate certificate, String... extraLines)
            throws IOException, InterruptedException {
        return start(host, certificate, extraLines);
    }

    private static ChronydServer start(String host, TestCertificate certificate, String... extraLines)
            throws IOException, InterruptedException {
        requireChronyd();
        Path directory = Files.createTempDirectory("chronyd-");
        int port = freeUdpPort(host);
        int ntsKePort = 0;
        java.util.List<String> lines = new java.util.ArrayList<>(java.util.List.of(
                "port " + port,
                "bindaddress " + host,
                "local stratum 1",
                "allow 127.0.0.0/8",
                "cmdport 0",
                "pidfile " + directory.resolve("chronyd.pid")));
        if (certificate != null) {
            try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, InetAddress.getByName(host))) {
                ntsKePort = free.getLocalPort();
            }
            lines.addAll(java.util.List.of("ntsserverkey " + certificate.key(), "ntsservercert " + certificate.certificate(),
                    "ntsport " + ntsKePort, "ntsdumpdir " + Files.createDirectories(directory.resolve("nts")),
                    "ntsprocesses 0"));
        }
        lines.addAll(java.util.List.of(extraLines));
        lines.add("");
        Files.writeString(directory.resolve("chrony.conf"), String.join("\n", lines), StandardCharsets.US_ASCII);
        ChronydServer server = new ChronydServer(launch(directory), directory, host, port, ntsKePort);
        try {
            server.awaitAnswering(Duration.ofSeconds(10));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private static Process launch(Path directory) throws IOException {
        return new ProcessBuilder(CHRONYD, "-x", "-d", "-u", "root", "-f", directory.resolve("chrony.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("chronyd.log").toFile()))
                .start();
    }

    /**
     * Restarts an NTS chronyd on the same addresses and ports with new server keys, as after a key
     * rotation: the cookies it issued before no longer open, and it answers them with an NTS NAK.
     */
    public void restartWithNewKeys() throws IOException, InterruptedException {
        stopProcess();
        try (var files = Files.list(directory.resolve("nts"))) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        process = launch(directory);
        awaitAnswering(Duration.ofSeconds(10));
    }

    private void stopProcess() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String hostPort() {
        return host + ":" + port;
    }

    /** The NTS-KE port, or 0 when not started with {@link #startNts}. */
    public int ntsKePort() {
        return ntsKePort;
    }

    public String log() throws IOException {
        return Files.readString(directory.resolve("chronyd.log"));
    }

    private void awaitAnswering(Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getByName(host))) {
            probe.setSoTimeout(200);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IOException("chronyd exited with " + process.exitValue() + ":\n" + log());
                }
                long transmit = ThreadLocalRandom.current().nextLong();
                byte[] request = NtpPacketCodec.encode(NtpPacket.clientRequest(transmit, 0, -20));
                probe.send(new DatagramPacket(request, request.length, new InetSocketAddress(host, port)));
                byte[] buffer = new byte[512];
                DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                try {
                    probe.receive(reply);
                    if (NtpPacketCodec.decode(buffer, 0, reply.getLength()) instanceof DecodeResult.Decoded d
                            && d.packet().stratum() == 1) {
                        return;
                    }
                } catch (SocketTimeoutException e) {
                    // not up yet
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
        throw new IOException("chronyd did not answer on " + hostPort() + " within " + limit + ":\n" + log());
    }

    static void requireChronyd() {
        if (!Files.isExecutable(Path.of(CHRONYD))) {
            throw new IllegalStateException(CHRONYD + " is missing: install Debian's chrony package (.ci/run does)");
        }
    }

    /** A UDP port free on {@code host} right now. */
    public static int freeUdpPort(String host) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        try {
            stopProcess();
            try (var files = Files.walk(directory)) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException e) {
            // a leftover temp directory is harmless
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
