package io.timemesh.bench;

import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.nts.NtsClientSession;
import io.timemesh.sampler.nts.NtsKeClient;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * NTS serving (RFC 8915) under load: NTS-KE handshakes per second, and NTS-protected NTP replies per second
 * at rising offered rates, for two servers with the same load generator. Each server's NTP load is one
 * request sealed with a cookie from its own NTS-KE, sent again and again: a server keeps no record of
 * cookies seen (RFC 8915 leaves replay detection to the client), so each still costs it a cookie opened, a
 * request authenticated and a reply sealed. Usage: {@code java -cp bench/target/timemesh-bench.jar
 * io.timemesh.bench.NtsLoad "NAME HOST:KEPORT:NTPPORT,NAME HOST:KEPORT:NTPPORT" RATE[,RATE...] SECONDS TRUSTED.pem}.
 */
public final class NtsLoad {
    private NtsLoad() {}

    private static final int HANDSHAKE_THREADS = 2;

    /** NTS-KE handshakes per second from {@link #HANDSHAKE_THREADS} clients one after another for {@code seconds}. */
    static double handshakes(NtsKeClient client, String host, int kePort, double seconds) throws Exception {
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < HANDSHAKE_THREADS; i++) {
            Thread thread = new Thread(() -> {
                while (System.nanoTime() < end) {
                    try {
                        client.exchange(host, kePort, Duration.ofSeconds(5));
                        done.incrementAndGet();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        long start = System.nanoTime();
        for (Thread thread : threads) {
            thread.join();
        }
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    /** The load counts replies: make sure first that they are authenticated ones, not NAKs. */
    private static void checkAuthenticated(String name, NtsClientSession session, InetSocketAddress ntp, byte[] request)
            throws Exception {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(2_000);
            socket.send(new DatagramPacket(request, request.length, ntp));
            byte[] buffer = new byte[2048];
            DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
            socket.receive(reply);
            if (session.open(buffer, reply.getLength()) != NtsClientSession.Reply.AUTHENTICATED) {
                throw new IllegalStateException(name + " answered the load's request with an NTS NAK");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String[] servers = args[0].split(",");
        String[] rates = args[1].split(",");
        double seconds = Double.parseDouble(args[2]);
        NtsKeClient client = NtsKeClient.trusting(Path.of(args[3]));
        List<String> names = new ArrayList<>();
        List<double[]> figures = new ArrayList<>(); // per server: handshakes/s, then replies/s per rate
        for (String server : servers) {
            String name = server.split(" ")[0];
            String[] address = server.split(" ")[1].split(":");
            String host = address[0];
            int kePort = Integer.parseInt(address[1]);
            InetSocketAddress ntp = new InetSocketAddress(host, Integer.parseInt(address[2]));
            NtsKeClient.Result ke = client.exchange(host, kePort, Duration.ofSeconds(5));
            NtsClientSession session = new NtsClientSession(ke.keys(), ke.response(), host, ntp.getPort(), 0);
            byte[] request = session.seal(NtpPacketCodec.encode(NtpPacket.clientRequest(1, 0, -20)), new SecureRandom());
            checkAuthenticated(name, session, ntp, request);
            handshakes(client, host, kePort, 2); // warm-up, not reported
            NtpLoad.run(ntp, 2_000, 2, sent -> request);
            double[] row = new double[1 + rates.length];
            row[0] = handshakes(client, host, kePort, seconds);
            for (int i = 0; i < rates.length; i++) {
                row[1 + i] = NtpLoad.run(ntp, Integer.parseInt(rates[i]), seconds, sent -> request).replies();
            }
            names.add(name);
            figures.add(row);
        }
        System.out.printf(Locale.ROOT, "%nNTS serving, %.0f s per figure after a warm-up; NTS-KE from %d clients one"
                + " handshake after another; NTP from 4 sockets, one sealed request per server again and again%n",
                seconds, HANDSHAKE_THREADS);
        System.out.print("| figure |");
        names.forEach(n -> System.out.print(" " + n + " |"));
        System.out.println();
        System.out.println("|---|" + "---|".repeat(names.size()));
        List<String> labels = new ArrayList<>(List.of("NTS-KE handshakes/s"));
        for (String rate : rates) {
            labels.add("NTS replies/s at " + rate + " offered");
        }
        for (int f = 0; f < labels.size(); f++) {
            StringBuilder line = new StringBuilder("| " + labels.get(f) + " |");
            for (double[] row : figures) {
                line.append(String.format(Locale.ROOT, " %.0f |", row[f]));
            }
            System.out.println(line);
        }
        if (figures.size() == 2) { // the first server against the second, the reference
            for (int f = 0; f < labels.size(); f++) {
                double ratio = figures.get(0)[f] / figures.get(1)[f];
                Summary.row("NTS serving", labels.get(f), String.format(Locale.ROOT, "%.0f", figures.get(0)[f]),
                        String.format(Locale.ROOT, "%.0f", figures.get(1)[f]), String.format(Locale.ROOT, "%.2f", ratio),
                        "", true);
            }
        }
    }
}
