package io.timemesh.testkit;

import com.sun.jna.Memory;
import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.ntp.NtpMode;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.ntp.NtpShort;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.ntp.ReferenceId;
import io.timemesh.core.time.KernelStamps;
import io.timemesh.core.time.TimeSource;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongUnaryOperator;

/**
 * An NTP server on a loopback address whose clock and path are whatever a test says: offset, drift,
 * one-way delays in each direction, jitter, and faults. Truth is the {@link TimeSource} it is given,
 * normally the same one the code under test reads, so a test knows the exact true offset.
 *
 * <p>Delays are simulated by holding the request before stamping T2 (outbound) and holding the
 * reply after stamping T3 (return), so the client sees exactly the asymmetric path a real network
 * with those one-way delays would give it. T2 is the request's arrival plus the outbound delay; T3 is
 * read on the reply thread just before the reply is encoded and sent (at once when the return delay
 * is zero), as chronyd's server takes it. So the hand-over between the two threads, which on a loaded
 * machine takes tens to hundreds of µs, falls between T2 and T3, where a real server's processing time
 * does, and not on the outbound path: read after the hand-over, T2 had put it there, moving every
 * client's offset θ by half of it (chronyd's too). The return delay is counted from T3's reading, so
 * the reply's encoding falls inside it rather than after it: a server asked a few times a second runs
 * that code mostly uncompiled, and counted after T3, it lengthened the way back.
 *
 * <p>The arrival is the datagram's kernel receive stamp ({@code SIOCGSTAMPNS}, on the system clock),
 * as chronyd and our own NTP server stamp requests (ntp_io_linux.c): the receiving thread's wake-up
 * after a blocking receive is 45–65 µs on an idle 2-core VM and up to a millisecond in its tail
 * (2026-12-02), and read after it, T2 was that late, which moved every client's θ up by half of it.
 * The stamp is carried to the truth's timescale by the system clock's reading just before the truth's,
 * so it is never early, and the wait it counts is never longer than the receive blocked, nor counted
 * across a step of the system clock ({@link #waited}). Where stamps cannot be read
 * ({@link #kernelStamped()} false: not 64-bit Linux on x86-64 or AArch64, JNA that cannot load, or
 * {@code java.base/sun.nio.ch} not opened to read the channel's descriptor), or a datagram's stamp is
 * missing, the arrival is read after the receive, as before. Behaviour can be changed while it runs.
 */
public final class SimulatedNtpServer implements AutoCloseable {
    private static final long SPIN_MARGIN_NANOS = 2_000_000L;
    /** Whether a server without kernel receive stamps has said so. */
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private final DatagramChannel socket;
    /** The socket's descriptor for its receive stamps, or −1 where they cannot be read. */
    private final int stampedFd;
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

    private SimulatedNtpServer(DatagramChannel socket, TimeSource truth, ServerBehaviour behaviour, long seed) {
        this.socket = socket;
        this.stampedFd = stampedDescriptor(socket);
        this.truth = truth;
        this.behaviour = behaviour;
        this.random = new Random(seed);
        this.startNanos = truth.nowNanos();
        String name = "sim-ntp-" + host() + ":" + port();
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
        DatagramChannel socket = null;
        try {
            InetAddress host = InetAddress.getByName(address);
            socket = DatagramChannel.open(host instanceof Inet6Address ? StandardProtocolFamily.INET6
                    : StandardProtocolFamily.INET); // IPv4 requests then take no IPv6 path as mapped addresses
            socket.bind(new InetSocketAddress(host, port));
            return new SimulatedNtpServer(socket, truth, behaviour,
                    address.hashCode() * 31L + ((InetSocketAddress) socket.getLocalAddress()).getPort());
        } catch (IOException e) {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // it was never bound, or is closed now
                }
            }
            throw e instanceof SocketException bind ? bind
                    : new SocketException("cannot bind " + address + ":" + port + ": " + e.getMessage());
        }
    }

    /**
     * {@code channel}'s descriptor with its receive stamps switched on, or −1 where they cannot be read (the class
     * comment says when).
     */
    private static int stampedDescriptor(DatagramChannel channel) {
        try {
            if (!KernelStamps.platformSupported()) {
                return -1;
            }
            int fd = KernelStamps.descriptor(channel);
            try (Memory timespec = new Memory(16)) {
                KernelStamps.lastStamp(fd, timespec); // the first ask switches the socket's stamps on
            }
            return fd;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            if (!WARNED.getAndSet(true)) { // once: a farm starts thousands
                System.err.println("SimulatedNtpServer: T2 read in user space, no kernel receive stamps: " + e);
            }
            return -1;
        }
    }

    /**
     * Whether T2 comes from the kernel's receive stamps (the class comment says why it matters): benchmarks that
     * compare clients' offsets to the truth to a few µs require it.
     */
    public boolean kernelStamped() {
        return stampedFd >= 0;
    }

    public String host() {
        return local().getAddress().getHostAddress();
    }

    public int port() {
        return local().getPort();
    }

    private InetSocketAddress local() {
        try {
            return (InetSocketAddress) socket.getLocalAddress();
        } catch (IOException closed) {
            throw new IllegalStateException("server closed", closed);
        }
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

    /** This server's clock at true time {@code trueNanos}: the truth plus {@link #offsetAt}. */
    private long serverClockAt(long trueNanos) {
        return trueNanos + Math.round(offsetAt(trueNanos) * 1e9);
    }

    /**
     * A reply's receive and transmit timestamps, T2 and T3, on the server's clock in Unix ns, and the true time
     * (ns) at which it may leave, T3's instant: a processing time can put that after the reply thread's now.
     */
    record Stamps(long t2, long t3, long sentNanos) {}

    /**
     * T2 and T3 for a request that arrived at true time {@code arrivedNanos} and was held {@code outboundNanos}
     * (the simulated outbound path), answered at true time {@code transmitNanos} (≥ arrival + outbound: the reply
     * thread runs it no earlier). T2 comes from the arrival reading alone, so however late the reply thread
     * gets to the request, the wait shows as processing (T3 − T2), which a client takes out of the delay δ and
     * which leaves θ alone; T3 is at least {@code processingNanos} after T2.
     *
     * @param serverClock the server's clock (ns) as a function of true time (ns)
     */
    static Stamps stamps(long arrivedNanos, long outboundNanos, long transmitNanos, long processingNanos,
                         LongUnaryOperator serverClock) {
        long received = arrivedNanos + outboundNanos;
        long sent = Math.max(transmitNanos, received + processingNanos);
        return new Stamps(serverClock.applyAsLong(received), serverClock.applyAsLong(sent), sent);
    }

    private void receiveLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(2048);
        Memory timespec = stampedFd < 0 ? null : new Memory(16); // none without stamps: JNA may not load at all
        while (socket.isOpen()) {
            SocketAddress client;
            buffer.clear();
            long systemBefore = KernelStamps.systemNanos();
            long monotonicBefore = System.nanoTime();
            try {
                client = socket.receive(buffer);
            } catch (IOException e) {
                return; // closed
            }
            long system = KernelStamps.systemNanos(); // before the truth: the arrival then errs late, never early
            long monotonic = System.nanoTime();
            long now = truth.nowNanos(); // the receive timestamp T2 is built on it
            long waited = timespec == null ? 0
                    : waited(stamp(timespec), systemBefore, monotonicBefore, system, monotonic);
            long arrived = now - waited;
            long arrivedMonotonic = monotonic - waited;
            requests.incrementAndGet();
            log.add(new Request(arrived, client.toString()));
            DecodeResult decoded = NtpPacketCodec.decode(buffer.array(), 0, buffer.position());
            if (decoded instanceof DecodeResult.Decoded request && request.packet().mode() == NtpMode.CLIENT) {
                ServerBehaviour b = behaviour;
                if (b.fault() != ServerBehaviour.Fault.SILENT) {
                    long outbound = withJitter(b.outboundDelay(), b);
                    at(arrivedMonotonic + outbound, () -> stampAndReply(request.packet(), client, b, arrived, outbound));
                }
            }
        }
    }

    /**
     * How long a datagram waited between its receive stamp and the system clock's reading after the receive (ns),
     * never more than the receive blocked (a datagram queued before it then gets a late arrival, never an early
     * one); 0 where the stamp is missing or after the reading, or where the system clock stepped while the receive
     * blocked (it moved more than {@link KernelStamps#MAX_STEP_NANOS} apart from the monotonic clock).
     *
     * @param stamp           the datagram's receive stamp (system clock, Unix ns), or {@link Long#MIN_VALUE}
     * @param systemBefore    the system clock just before the receive (ns)
     * @param monotonicBefore the monotonic clock just after it (ns)
     * @param systemAfter     the system clock just after the receive returned (ns)
     * @param monotonicAfter  the monotonic clock just after it (ns)
     */
    static long waited(long stamp, long systemBefore, long monotonicBefore, long systemAfter, long monotonicAfter) {
        long blocked = monotonicAfter - monotonicBefore;
        boolean stepped = Math.abs((systemAfter - systemBefore) - blocked) > KernelStamps.MAX_STEP_NANOS;
        long waited = systemAfter - stamp;
        return stamp == Long.MIN_VALUE || stepped || waited < 0 ? 0 : Math.min(waited, blocked);
    }

    /**
     * The receive stamp of the datagram last read, or {@link Long#MIN_VALUE} once the socket is closed: under the
     * same lock as {@link #close()}, so that the ioctl never reaches a socket that has taken the closed one's number.
     */
    private synchronized long stamp(Memory timespec) {
        return socket.isOpen() ? KernelStamps.lastStamp(stampedFd, timespec) : Long.MIN_VALUE;
    }

    private long withJitter(Duration delay, ServerBehaviour b) {
        long jitter = b.jitter().toNanos();
        return delay.toNanos() + (jitter > 0 ? (long) (random.nextDouble() * jitter) : 0);
    }

    private void stampAndReply(NtpPacket request, SocketAddress client, ServerBehaviour b, long arrived, long outbound) {
        long transmit = truth.nowNanos();
        long transmitMonotonic = System.nanoTime(); // the hold counts from T3's instant, the encoding inside it
        Stamps stamps = stamps(arrived, outbound, transmit, b.processing().toNanos(), this::serverClockAt);
        long t2 = stamps.t2();
        long t3 = stamps.t3();
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
        long hold = (stamps.sentNanos() - transmit) + withJitter(b.returnDelay(), b); // never before T3's instant
        if (hold <= 0) {
            send(reply, client); // no second hand-over: it would lengthen the return path after T3
        } else {
            at(transmitMonotonic + hold, () -> send(reply, client));
        }
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
            socket.send(ByteBuffer.wrap(reply), client);
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
        synchronized (this) { // not while a stamp is read (stamp(Memory))
            try {
                socket.close(); // ends a receive blocked in it
            } catch (IOException e) {
                // closed all the same
            }
        }
        scheduler.shutdownNow();
        try {
            receiver.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
