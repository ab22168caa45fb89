package io.timemesh.testkit;

import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.ntp.NtpMode;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.ntp.NtpShort;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.ntp.ReferenceId;
import io.timemesh.core.time.TimeSource;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An NTP server on a loopback address whose clock and path are whatever a test says: offset, drift,
 * one-way delays in each direction, jitter, and faults. Truth is the {@link TimeSource} it is given,
 * normally the same one the code under test reads, so a test knows the exact true offset.
 *
 * <p>Delays are simulated by holding the request before stamping T2 (outbound) and holding the
 * reply after stamping T3 (return), so the client sees exactly the asymmetric path a real network
 * with those one-way delays would give it. Behaviour can be changed while it runs.
 */
public final class SimulatedNtpServer implements AutoCloseable {
    private static final long SPIN_MARGIN_NANOS = 2_000_000L;

    private final DatagramSocket socket;
    private final TimeSource truth;
    private final long startNanos;
    private final ScheduledExecutorService scheduler;
    private final Thread receiver;
    private final Random random;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<Request> log = new CopyOnWriteArrayList<>();

    /** One request as the server saw it: when (on the truth timescale) and from which client socket. */
    public record Request(long trueNanos, String client) {}
    private volatile ServerBehaviour behaviour;

    private SimulatedNtpServer(DatagramSocket socket, TimeSource truth, ServerBehaviour behaviour, long seed) {
        this.socket = socket;
        this.truth = truth;
        this.behaviour = behaviour;
        this.random = new Random(seed);
        this.startNanos = truth.nowNanos();
        String name = "sim-ntp-" + socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name + "-reply"));
        this.receiver = daemon(this::receiveLoop, name);
        receiver.start();
    }

    /** Starts a server on {@code address} (any 127.x.y.z) and an ephemeral port. */
    public static SimulatedNtpServer start(String address, TimeSource truth, ServerBehaviour behaviour)
            throws SocketException {
        return start(address, 0, truth, behaviour);
    }

    public static SimulatedNtpServer start(String address, int port, TimeSource truth, ServerBehaviour behaviour)
            throws SocketException {
        try {
            DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), port));
            return new SimulatedNtpServer(socket, truth, behaviour, address.hashCode() * 31L + socket.getLocalPort());
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw new SocketException("cannot bind " + address + ":" + port + ": " + e.getMessage());
        }
    }

    public String host() {
        return socket.getLocalAddress().getHostAddress();
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** "host:port" (an IPv6 address in brackets, "[::1]:port"), as the sampler and the CLI take it. */
    public String hostPort() {
        return (host().indexOf(':') >= 0 ? "[" + host() + "]" : host()) + ":" + port();
    }

    public void behaviour(ServerBehaviour behaviour) {
        this.behaviour = behaviour;
    }

    public ServerBehaviour behaviour() {
        return behaviour;
    }

    /** Every request so far, oldest first. */
    public List<Request> requests() {
        return List.copyOf(log);
    }

    /** Requests received so far, answered or not. */
    public int requestCount() {
        return requests.get();
    }

    /** The offset of this server's clock from the truth at true time {@code trueNanos}. */
    public double offsetAt(long trueNanos) {
        ServerBehaviour b = behaviour;
        return b.offsetSeconds() + b.driftPpm() * 1e-6 * ((trueNanos - startNanos) / 1e9);
    }

    private long serverClockNanos() {
        long now = truth.nowNanos();
        return now + Math.round(offsetAt(now) * 1e9);
    }

    private void receiveLoop() {
        byte[] buffer = new byte[2048];
        while (!socket.isClosed()) {
            DatagramPacket datagram = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(datagram);
            } catch (IOException e) {
                return; // closed
            }
            requests.incrementAndGet();
            log.add(new Request(truth.nowNanos(), datagram.getSocketAddress().toString()));
            DecodeResult decoded = NtpPacketCodec.decode(datagram.getData(), datagram.getOffset(), datagram.getLength());
            if (decoded instanceof DecodeResult.Decoded request && request.packet().mode() == NtpMode.CLIENT) {
                ServerBehaviour b = behaviour;
                if (b.fault() != ServerBehaviour.Fault.SILENT) {
                    SocketAddress client = datagram.getSocketAddress();
                    at(System.nanoTime() + withJitter(b.outboundDelay(), b),
                            () -> stampAndReply(request.packet(), client, b));
                }
            }
        }
    }

    private long withJitter(Duration delay, ServerBehaviour b) {
        long jitter = b.jitter().toNanos();
        return delay.toNanos() + (jitter > 0 ? (long) (random.nextDouble() * jitter) : 0);
    }

    private void stampAndReply(NtpPacket request, SocketAddress client, ServerBehaviour b) {
        long t2 = serverClockNanos();
        long t3 = Math.max(t2 + b.processing().toNanos(), serverClockNanos());
        byte[] reply = switch (b.fault()) {
            case GARBAGE -> garbage();
            case KISS -> NtpPacketCodec.encode(new NtpPacket(LeapIndicator.ALARM, NtpConstants.VERSION, NtpMode.SERVER,
                    0, request.poll(), b.precisionLog2(), 0, 0, ReferenceId.ofAscii(b.kissCode()), 0,
                    request.transmitTimestamp(), NtpTimestamp.fromUnixNanos(t2), NtpTimestamp.fromUnixNanos(t3)));
            case UNSYNCHRONIZED -> NtpPacketCodec.encode(reply(request, b, LeapIndicator.ALARM, NtpConstants.MAXSTRAT,
                    request.transmitTimestamp(), t2, t3));
            case SPOOFED_ORIGIN -> NtpPacketCodec.encode(reply(request, b, b.leap(), b.stratum(),
                    request.transmitTimestamp() ^ 0x5A5A_5A5AL, t2, t3));
            case NONE, SILENT -> NtpPacketCodec.encode(reply(request, b, b.leap(), b.stratum(),
                    request.transmitTimestamp(), t2, t3));
        };
        at(System.nanoTime() + withJitter(b.returnDelay(), b), () -> send(reply, client));
    }

    /**
     * Runs {@code task} at {@code deadline} (System.nanoTime) on the reply thread. A scheduled
     * executor alone wakes up late by up to a millisecond on a busy VM, which would lengthen every
     * simulated path; so it wakes up {@link #SPIN_MARGIN_NANOS} early and spins to the deadline.
     */
    private void at(long deadline, Runnable task) {
        long wait = deadline - System.nanoTime() - SPIN_MARGIN_NANOS;
        scheduler.schedule(() -> {
            while (System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            task.run();
        }, Math.max(0, wait), TimeUnit.NANOSECONDS);
    }

    /** The server-mode answer to {@code request} from a server behaving as {@code b}. */
    static NtpPacket reply(NtpPacket request, ServerBehaviour b, LeapIndicator leap, int stratum, long origin,
                           long t2, long t3) {
        return new NtpPacket(leap, NtpConstants.VERSION, NtpMode.SERVER, stratum, request.poll(), b.precisionLog2(),
                NtpShort.fromSeconds(b.rootDelaySeconds()), NtpShort.fromSeconds(b.rootDispersionSeconds()),
                ReferenceId.ofAscii(b.referenceId()), NtpTimestamp.fromUnixNanos(t2 - 1_000_000_000L), origin,
                NtpTimestamp.fromUnixNanos(t2), NtpTimestamp.fromUnixNanos(t3));
    }

    /** Random bytes of random length with the version bits zeroed, so no garbage ever reads as NTP. */
    private byte[] garbage() {
        byte[] bytes = new byte[1 + random.nextInt(200)];
        random.nextBytes(bytes);
        bytes[0] &= (byte) 0b1100_0111;
        return bytes;
    }

    private void send(byte[] reply, SocketAddress client) {
        try {
            socket.send(new DatagramPacket(reply, reply.length, client));
        } catch (IOException e) {
            // Closed while a reply was in flight: the client sees silence, as from a dying server.
        }
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() {
        socket.close();
        scheduler.shutdownNow();
        try {
            receiver.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
