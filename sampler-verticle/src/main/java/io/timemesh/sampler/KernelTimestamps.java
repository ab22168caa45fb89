package io.timemesh.sampler;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.unix.FileDescriptor;
import io.timemesh.core.time.TimeSource;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * T1 and T4 from the kernel: the instants a request left and a reply entered the host's network stack, as
 * chronyd takes them (ntp_io_linux.c, software timestamps), rather than when our code got round to reading
 * a clock. On a loaded machine the event loop's wake-up before T4 is tens to hundreds of µs, and the send
 * path after T1 tens; read in user space, both lengthen the delay δ and pull θ by half their difference.
 *
 * <p>How, on Linux (socket(7), Documentation/networking/timestamping.rst):
 * <ul>
 *   <li>T4: the {@code SIOCGSTAMPNS} ioctl gives the receive time of the datagram last read from the socket.
 *       Netty's epoll channel fires each datagram read without {@code recvmmsg} down the pipeline before it
 *       reads the next, so asked from the pipeline, it is that datagram's. The first ask switches the
 *       socket's receive stamps on.</li>
 *   <li>T1: {@code SO_TIMESTAMPING} with {@code SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
 *       SOF_TIMESTAMPING_OPT_TSONLY} puts a transmit stamp on the socket's error queue for each datagram sent,
 *       numbered by the socket's count of datagrams sent. Reading one with {@code recvmsg(MSG_ERRQUEUE)} makes
 *       it the socket's last stamp, which the same ioctl then gives. No reporting flag is set: with one, Linux
 *       stops keeping the receive stamp the ioctl reads. The queue is read right after the send syscall, on the
 *       event loop; what is left on it (a datagram the kernel sent later) is drained after each read, so epoll
 *       (level-triggered in Netty 4.2) wakes once for it, not for ever.</li>
 * </ul>
 * Stamps are on the system clock (CLOCK_REALTIME) and carried to the local timescale by their age:
 * the local timescale's reading just before the system clock's, less the age, for a T1 (so never late);
 * the reading just after, less the age, for a T4 (so never early). Both clocks tick at the same rate (CLOCK_MONOTONIC, under the
 * local timescale, is slewed with CLOCK_REALTIME); only a step of the system clock separates them.
 *
 * <p>Why the interval stays exact: [T3 − T4, T2 − T1] needs a T1 no later than the request's real departure
 * and a T4 no earlier than the reply's real arrival. Transmit stamps are taken as the datagram leaves for
 * the device, before the server can have it; receive stamps after the datagram arrived; and each is carried
 * from the side of the clocks' bracket that keeps it so. Every
 * doubt keeps the reading from user space (T1 before the send, T4 after the read: wider, still exact):
 * <ul>
 *   <li>the two clocks read more than {@link #MAX_BRACKET_NANOS} apart (the thread was preempted between them);</li>
 *   <li>the system clock moved against the local timescale by more than {@link #MAX_STEP_NANOS} since the
 *       last stamp: it was stepped, and every stamp from before the step is refused too;</li>
 *   <li>a stamp younger than zero or older than {@link #MAX_AGE_NANOS}, or none;</li>
 *   <li>a T4 after the read, or a T1 before the user-space T1 or after the send returned;</li>
 *   <li>a send whose transmit stamps are not, by their numbers, exactly its datagrams, each once and in order,
 *       right after the last stamp seen (a datagram that left without a stamp, or a send that failed, would
 *       otherwise pair the others with the wrong stamps); and a send made from inside another (a listener of
 *       a write, flushing), whose datagrams leave in the outer one.</li>
 * </ul>
 * A step of the system clock smaller than {@link #MAX_STEP_NANOS} inside the µs between a stamp and its
 * reading is the one case left: it could move that T1 late or that T4 early by at most that much.
 *
 * <p>Used only from the socket's event loop. Where the socket is not an epoll channel (Vert.x without the
 * native transport, as in most unit tests), or JNA cannot load, or the platform is not 64-bit Linux on
 * x86-64 or AArch64, there is no instance and both are read in user space.
 */
final class KernelTimestamps {
    private static final Logger LOG = LoggerFactory.getLogger(KernelTimestamps.class);
    /** linux/sockios.h; a struct timespec of two 64-bit longs on 64-bit Linux. */
    private static final long SIOCGSTAMPNS = 0x8907;
    /** asm-generic/socket.h: SOL_SOCKET and SO_TIMESTAMPING (its _OLD value, with 64-bit time_t). */
    private static final int SOL_SOCKET = 1;
    private static final int SO_TIMESTAMPING = 37;
    /** linux/net_tstamp.h: SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY. */
    private static final int TRANSMIT_FLAGS = (1 << 1) | (1 << 7) | (1 << 11);
    /** MSG_ERRQUEUE | MSG_DONTWAIT. */
    private static final int ERRQUEUE_NOW = 0x2000 | 0x40;
    /** struct msghdr (56 bytes), its iovec (16), a 1-byte payload buffer and 128 bytes of control messages. */
    private static final int MSGHDR = 56;
    private static final int IOVEC = 16;
    private static final int CONTROL = 128;
    /**
     * linux/errqueue.h: a transmit stamp's struct sock_extended_err has ee_errno ENOMSG, ee_origin
     * SO_EE_ORIGIN_TIMESTAMPING and its number in ee_data; in.h and in6.h: IP_RECVERR and IPV6_RECVERR, its cmsg.
     */
    private static final int ENOMSG = 42;
    private static final int ORIGIN_TIMESTAMPING = 4;
    private static final int IP_RECVERR = 11;
    private static final int IPV6_RECVERR = 25;
    static final long MAX_BRACKET_NANOS = 20_000;
    static final long MAX_STEP_NANOS = 50_000;
    static final long MAX_AGE_NANOS = 1_000_000_000L;

    /** Direct JNA mappings of the C library's calls; −1 and errno on failure, which we treat as "no stamp". */
    static final class CLibrary {
        static {
            Native.register("c");
        }

        static native int ioctl(int fd, long request, Pointer argument);

        static native int setsockopt(int fd, int level, int name, Pointer value, int length);

        static native long recvmsg(int fd, Pointer message, int flags);

        private CLibrary() {}
    }

    /**
     * An entry of the error queue: a transmit stamp, its number among the socket's datagrams and its system-clock
     * time (Unix ns); or, with number −1, an entry of another kind (an ICMP error).
     */
    record Transmitted(long number, long stamp) {
        static final Transmitted OTHER = new Transmitted(-1, Long.MIN_VALUE);
    }

    /** The socket's stamps: its last one, and the entries of its error queue. */
    interface Socket {
        /** The stamp of the datagram last read, or of the error-queue entry last read (system clock, Unix ns), or {@link Long#MIN_VALUE}. */
        long lastStamp();

        /** Takes the next entry off the error queue; null when it is empty. */
        Transmitted nextTransmitted();
    }

    private final TimeSource clock;
    private final Socket socket;
    /** System clock less local timescale at the last reading (ns); {@link Long#MIN_VALUE} before the first. */
    private long systemLessLocal = Long.MIN_VALUE;
    /** Stamps at or before this system-clock instant (ns) were taken before a step and are refused. */
    private long refuseUpTo = Long.MIN_VALUE;
    /** The number of the last transmit stamp read, or −1 before the first. */
    private long lastNumber = -1;

    KernelTimestamps(TimeSource clock, Socket socket) {
        this.clock = clock;
        this.socket = socket;
    }

    /**
     * Kernel timestamps for {@code channel}, or null (logged at INFO, with the reason) where it is not a Linux
     * epoll channel or JNA cannot load. Transmit stamps are switched on here; where that fails, only T4 is
     * the kernel's.
     */
    static KernelTimestamps of(DatagramChannel channel, TimeSource clock) {
        if (!(channel instanceof EpollDatagramChannel epoll)) {
            LOG.info("T1 and T4 from user space: the sampler's socket is not an epoll channel (Vert.x's native transport is off)");
            return null;
        }
        if (!Platform.isLinux() || !Platform.is64Bit() || !(Platform.isIntel() || Platform.isARM())) {
            LOG.info("T1 and T4 from user space: kernel timestamps are read on 64-bit Linux on x86-64 and AArch64 only");
            return null;
        }
        try {
            FileDescriptor fd = epoll.fd();
            Memory flags = new Memory(4);
            flags.setInt(0, TRANSMIT_FLAGS);
            boolean transmit = CLibrary.setsockopt(fd.intValue(), SOL_SOCKET, SO_TIMESTAMPING, flags, 4) == 0;
            NativeSocket socket = new NativeSocket(fd, transmit);
            socket.lastStamp(); // switches the socket's receive stamps on before any datagram arrives
            LOG.info(transmit ? "T1 and T4 from the kernel: transmit and receive timestamps on the sampler's socket"
                    : "T4 from the kernel, T1 from user space: the socket refused SO_TIMESTAMPING");
            return new KernelTimestamps(clock, socket);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) { // JNA cannot load (no libjnidispatch, an incompatible one, a /tmp without exec): read in user space
            LOG.info("T1 and T4 from user space: kernel timestamps unavailable ({})", e.toString());
            return null;
        }
    }

    /**
     * T4 of the datagram just read: its kernel receive timestamp on the local timescale, or {@code readNanos}
     * wherever that cannot be trusted (see the class comment).
     *
     * @param readNanos the local timescale (ns) read after the read that returned the datagram
     * @return T4 on the local timescale (ns), never after {@code readNanos}
     */
    long arrival(long readNanos) {
        long stamp = socket.lastStamp();
        long[] now = now();
        long t4 = carried(stamp, now[0], now[1], now[2], false);
        return t4 == Long.MIN_VALUE || t4 > readNanos ? readNanos : t4;
    }

    /**
     * T1 of each datagram of a send: its kernel transmit timestamp on the local timescale, read off the error
     * queue right after the send syscall. All or nothing: unless the queue holds exactly {@code count} stamps,
     * numbered on from the last one seen, none is used.
     *
     * @param count      datagrams written since the last send
     * @param userNanos  T1 read in user space before the send syscall (local timescale, ns)
     * @return each datagram's T1 in the order written (ns; {@code userNanos} where its stamp cannot be trusted),
     *         or null where the queue did not match
     */
    long[] departures(int count, long userNanos) {
        long first = lastNumber + 1;
        boolean inStep = lastNumber >= 0;
        long[] stamps = new long[count];
        int found = 0;
        for (Transmitted t; (t = socket.nextTransmitted()) != null; found++) {
            if (t.number() < 0) {
                inStep = false;
                continue;
            }
            inStep &= found < count && t.number() == first + found;
            if (found < count) {
                stamps[found] = t.stamp();
            }
            lastNumber = t.number();
        }
        if (!inStep || found != count) {
            return null;
        }
        long[] now = now();
        long[] t1 = new long[count];
        for (int i = 0; i < count; i++) {
            long carried = carried(stamps[i], now[0], now[1], now[2], true);
            t1[i] = carried == Long.MIN_VALUE || carried < userNanos ? userNanos : carried;
        }
        return t1;
    }

    /**
     * Empties the error queue of transmit stamps nobody waits for (a datagram the kernel sent after its flush, or
     * one sent inside another send), keeping count of their numbers.
     */
    void dropStaleTransmitStamps() {
        for (Transmitted t; (t = socket.nextTransmitted()) != null; ) {
            if (t.number() >= 0) {
                lastNumber = t.number();
            }
        }
    }

    /** Local timescale, system clock, local timescale, read in that order (ns). */
    private long[] now() {
        long localBefore = clock.nowNanos();
        Instant system = Instant.now();
        long localAfter = clock.nowNanos();
        return new long[] {localBefore, system.getEpochSecond() * 1_000_000_000L + system.getNano(), localAfter};
    }

    /**
     * A stamp on the system clock carried to the local timescale, or {@link Long#MIN_VALUE} where it cannot be
     * trusted (see the class comment); all ns, the clocks read in the order of the parameters.
     *
     * @param departure a T1, carried from the earlier local reading so that it is never late; else a T4, carried
     *                  from the later one so that it is never early
     */
    long carried(long stamp, long localBefore, long systemNow, long localAfter, boolean departure) {
        if (localAfter - localBefore > MAX_BRACKET_NANOS) {
            return Long.MIN_VALUE;
        }
        long offset = systemNow - localBefore / 2 - localAfter / 2;
        boolean stepped = systemLessLocal != Long.MIN_VALUE && Math.abs(offset - systemLessLocal) > MAX_STEP_NANOS;
        systemLessLocal = offset;
        if (stepped) {
            refuseUpTo = systemNow;
            return Long.MIN_VALUE;
        }
        if (stamp == Long.MIN_VALUE || stamp <= refuseUpTo) {
            return Long.MIN_VALUE;
        }
        long age = systemNow - stamp;
        return age < 0 || age > MAX_AGE_NANOS ? Long.MIN_VALUE : (departure ? localBefore : localAfter) - age;
    }

    /**
     * The socket's stamps through the C library, with buffers of its own (event loop only). Nothing is asked of a
     * closed descriptor, whose number another socket may have by then.
     */
    private static final class NativeSocket implements Socket {
        private final FileDescriptor fd;
        private final boolean transmit;
        private final Memory timespec = new Memory(16);
        private final Memory message;

        NativeSocket(FileDescriptor fd, boolean transmit) {
            this.fd = fd;
            this.transmit = transmit;
            this.message = transmit ? new Memory(MSGHDR + IOVEC + 8 + CONTROL) : null;
        }

        @Override
        public long lastStamp() {
            return fd.isOpen() && CLibrary.ioctl(fd.intValue(), SIOCGSTAMPNS, timespec) == 0
                    ? timespec.getLong(0) * 1_000_000_000L + timespec.getLong(8) : Long.MIN_VALUE;
        }

        @Override
        public Transmitted nextTransmitted() {
            if (!transmit || !fd.isOpen()) {
                return null;
            }
            // struct msghdr: no name; one iovec of one byte (OPT_TSONLY sends no payload back); the control buffer.
            message.clear();
            long iovec = Pointer.nativeValue(message) + MSGHDR;
            message.setLong(16, iovec);
            message.setLong(24, 1);
            message.setLong(32, iovec + IOVEC + 8);
            message.setLong(40, CONTROL);
            message.setLong(MSGHDR, iovec + IOVEC);
            message.setLong(MSGHDR + 8, 1);
            if (CLibrary.recvmsg(fd.intValue(), message, ERRQUEUE_NOW) < 0) {
                return null;
            }
            long number = stampNumber(message.share(MSGHDR + IOVEC + 8), Math.min(message.getLong(40), CONTROL));
            return number < 0 ? Transmitted.OTHER : new Transmitted(number, lastStamp());
        }

        /** The transmit stamp's number from its struct sock_extended_err, or −1 where the entry is no transmit stamp. */
        private static long stampNumber(Pointer control, long length) {
            for (long at = 0; at + 16 <= length; ) {
                long cmsgLength = control.getLong(at);
                if (cmsgLength < 16 || at + cmsgLength > length) {
                    return -1;
                }
                int level = control.getInt(at + 8);
                int type = control.getInt(at + 12);
                if ((level == 0 && type == IP_RECVERR) || (level == 41 && type == IPV6_RECVERR)) {
                    boolean stamp = cmsgLength >= 16 + 16 && control.getInt(at + 16) == ENOMSG
                            && control.getByte(at + 16 + 4) == ORIGIN_TIMESTAMPING;
                    return stamp ? Integer.toUnsignedLong(control.getInt(at + 16 + 12)) : -1;
                }
                at += (cmsgLength + 7) & ~7L;
            }
            return -1;
        }
    }
}
