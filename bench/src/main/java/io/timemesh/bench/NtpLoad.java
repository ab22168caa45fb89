package io.timemesh.bench;

import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * An NTP load generator: sends client requests at a set rate from four sockets and counts the replies.
 * Usage: {@code java -cp bench/target/timemesh-bench.jar io.timemesh.bench.NtpLoad NAME HOST:PORT[,NAME HOST:PORT]
 * RATE[,RATE...] SECONDS} prints, for each server and offered rate, replies per second and loss.
 */
public final class NtpLoad {
    private NtpLoad() {}

    private static final int SOCKETS = 4;

    /** Replies per second and the fraction of requests unanswered, at one offered rate. */
    record Result(double offered, double replies, double loss) {}

    static Result run(InetSocketAddress server, int rate, double seconds) throws Exception {
        return run(server, rate, seconds, sent -> NtpPacketCodec.encode(NtpPacket.clientRequest(sent + 1, 0, -20)));
    }

    /** As {@link #run(InetSocketAddress, int, double)}, sending {@code request.apply(n)} as the n-th request. */
    static Result run(InetSocketAddress server, int rate, double seconds, LongFunction<byte[]> request) throws Exception {
        DatagramSocket[] sockets = new DatagramSocket[SOCKETS];
        AtomicLong received = new AtomicLong();
        Thread[] receivers = new Thread[SOCKETS];
        for (int i = 0; i < SOCKETS; i++) {
            DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            socket.setSoTimeout(200);
            socket.setReceiveBufferSize(4 << 20);
            sockets[i] = socket;
            receivers[i] = new Thread(() -> {
                byte[] buffer = new byte[512];
                DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                while (!socket.isClosed()) {
                    try {
                        socket.receive(reply);
                        received.incrementAndGet();
                    } catch (SocketTimeoutException e) {
                        // keep listening until closed
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            receivers[i].start();
        }
        long total = (long) (rate * seconds);
        long start = System.nanoTime();
        long interval = 1_000_000_000L / rate;
        for (long sent = 0; sent < total; sent++) {
            long due = start + sent * interval;
            while (System.nanoTime() < due) {
                Thread.onSpinWait();
            }
            byte[] datagram = request.apply(sent);
            sockets[(int) (sent % SOCKETS)].send(new DatagramPacket(datagram, datagram.length, server));
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        Thread.sleep(500); // the last replies
        for (DatagramSocket socket : sockets) {
            socket.close();
        }
        for (Thread receiver : receivers) {
            receiver.join();
        }
        long answered = received.get();
        return new Result(total / elapsed, answered / elapsed, 1.0 - (double) answered / total);
    }

    public static void main(String[] args) throws Exception {
        String[] servers = args[0].split(",");
        String[] rates = args[1].split(",");
        double seconds = Double.parseDouble(args[2]);
        for (String server : servers) { // warm both servers' code paths up; not reported
            String[] hostPort = server.split(" ")[1].split(":");
            run(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 5_000, 2);
        }
        System.out.printf(Locale.ROOT, "%nNTP serving, %d sockets, %.0f s per rate after a 2 s warm-up, rate limiting off%n",
                SOCKETS, seconds);
        System.out.printf(Locale.ROOT, "| offered req/s |");
        for (String server : servers) {
            System.out.printf(Locale.ROOT, " %s replies/s | %s loss |", server.split(" ")[0], server.split(" ")[0]);
        }
        System.out.println();
        System.out.println("|---|" + "---|---|".repeat(servers.length));
        List<Runnable> summaries = new ArrayList<>();
        for (String rate : rates) {
            StringBuilder row = new StringBuilder("| " + rate + " |");
            List<Result> results = new ArrayList<>();
            for (String server : servers) {
                String[] hostPort = server.split(" ")[1].split(":");
                Result result = run(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])),
                        Integer.parseInt(rate), seconds);
                results.add(result);
                row.append(String.format(Locale.ROOT, " %.0f | %.2f %% |", result.replies(), result.loss() * 100));
            }
            System.out.println(row);
            if (results.size() == 2) { // the first server against the second, the reference
                double ratio = results.get(0).replies() / results.get(1).replies();
                // Printed after the table; a ratio that rounds to 1.00 counts as equal.
                summaries.add(() -> Summary.row("NTP serving", "replies/s at " + rate + " offered",
                        String.format(Locale.ROOT, "%.0f", results.get(0).replies()),
                        String.format(Locale.ROOT, "%.0f", results.get(1).replies()),
                        String.format(Locale.ROOT, "%.2f", ratio), "≥ 1.00", ratio >= 0.995));
            }
        }
        summaries.forEach(Runnable::run);
    }
}
