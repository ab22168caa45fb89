package io.timemesh.sampler;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.unix.FileDescriptor;
import io.timemesh.core.time.KernelStamps;
import io.timemesh.core.time.KernelStamps.CLibrary;
import io.timemesh.core.time.TimeSource;
import java.util.Arrays;
import java.util.function.LongSupplier;
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
 *   <li>T1: {@code SO_TIMESTAMPING} with {@code SOF_TIMESTAMPING_TX_SOFTWARE} loops each datagram sent back
 *       to the socket's error queue with its transmit stamp. Reading one with {@code recvmsg(MSG_ERRQUEUE)} makes
 *       the stamp the socket's last, which the same ioctl then gives. The looped packet holds our payload after
 *       its headers: a stamp is a datagram's only if the packet holds the datagram's bytes (chronyd, too, pairs
 *       its stamps by the looped packet's contents, ntp_io_linux.c), so neither a stamp late from an earlier
 *       send nor a datagram that left without one can pair a request with a stamp taken after it left (each
 *       request carries a random transmit timestamp). Bytes after the payload (a device's trailer) do not
 *       matter. Where the kernel gives no stamps (net.core.tstamp_allow_data 0 without CAP_NET_RAW, a driver
 *       that stamps nothing), T1 stays the user-space reading, and a warning says so once.
 *       No reporting flag is set: with one, Linux stops keeping the receive stamp the ioctl reads. The queue is
 *       read right after the send syscall, on the event loop; what is left on it (a datagram the kernel sent
 *       later) is drained after each read, so epoll (level-triggered in Netty 4.2) wakes once for it.</li>
 * </ul>
 * Stamps are on the system clock (CLOCK_REALTIME) and carried to the local timescale by {@link KernelStamps}:
 * a T1 as a departure (never late), a T4 as an arrival (never early).
 *
 * <p>Why the interval stays exact: [T3 − T4, T2 − T1] needs a T1 no later than the request's real departure
 * and a T4 no earlier than the reply's real arrival. Transmit stamps are taken as the datagram leaves for
 * the device, before the server can have it; receive stamps after the datagram arrived; and each is carried
 * from the side of the clocks' bracket that keeps it so. Every doubt keeps the reading from user space (T1
 * before the send, T4 after the read: wider, still exact): each that {@link KernelStamps} refuses (a preempted
 * reading of the clocks, a step of the system clock, a stamp too old or missing), and
 * <ul>
 *   <li>a T4 after the read, or a T1 before the user-space T1;</li>
 *   <li>no stamp on the queue carrying the datagram's bytes.</li>
 * </ul>
 *
 * <p>Used only from the socket's event loop. Where the socket is not an epoll channel (Vert.x without the
 * native transport, as in most unit tests), or JNA cannot load, or the platform is not 64-bit Linux on
 * x86-64 or AArch64, there is no instance and both are read in user space.
 */
final class KernelTimestamps {
    private static final Logger LOG = LoggerFactory.getLogger(KernelTimestamps.class);
    /** asm-generic/socket.h: SOL_SOCKET and SO_TIMESTAMPING (its _OLD value, with 64-bit time_t). */
    private static final int SOL_SOCKET = 1;
    private static final int SO_TIMESTAMPING = 37;
    /** linux/net_tstamp.h: SOF_TIMESTAMPING_TX_SOFTWARE, the packet looped back with its stamp (no OPT_TSONLY). */
    private static final int TRANSMIT_FLAGS = 1 << 1;
    /** MSG_ERRQUEUE | MSG_DONTWAIT. */
    private static final int ERRQUEUE_NOW = 0x2000 | 0x40;
    /** struct msghdr (56 bytes), its iovec (16), room for a looped packet (headers and our largest request), 128 bytes of control messages. */
    private static final int MSGHDR = 56;
    private static final int IOVEC = 16;
    private static final int PACKET = 4096;
    private static final int CONTROL = 128;
    /** MSG_TRUNC in msg_flags: the looped packet did not fit. */
    private static final int MSG_TRUNC = 0x20;
    /**
     * linux/errqueue.h: a transmit stamp's struct sock_extended_err has ee_errno ENOMSG, ee_origin
     * SO_EE_ORIGIN_TIMESTAMPING and ee_info SCM_TSTAMP_SND (0); in.h and in6.h: IP_RECVERR and IPV6_RECVERR, its cmsg.
     */
    private static final int ENOMSG = 42;
    private static final int ORIGIN_TIMESTAMPING = 4;
    private static final int IP_RECVERR = 11;
    private static final int IPV6_RECVERR = 25;
    /** A transmit stamp: the looped-back packet as the kernel gives it (headers, then our payload) and its system-clock time (Unix ns). */
    record Transmitted(byte[] packet, long stamp) {}

    /** The socket's stamps: its last one, and the transmit stamps on its error queue. */
    interface Socket {
        /** The stamp of the datagram last read, or of the error-queue entry last read (system clock, Unix ns), or {@link Long#MIN_VALUE}. */
        long lastStamp();

        /** Takes the next transmit stamp off the error queue (skipping entries of any other kind); null when there is none. */
        Transmitted nextTransmitted();
    }

    private final KernelStamps carrier;
    private final Socket socket;
    /** Sends in a row whose requests found no transmit stamp; {@link #UNSTAMPED_WARNING} of them are warned of once. */
    private int unstampedSends;
    private boolean warnedUnstamped;
    static final int UNSTAMPED_WARNING = 8;

    /**
     * @param clock       the local timescale (ns)
     * @param systemClock the system clock the kernel stamps on (CLOCK_REALTIME, Unix ns)
     * @param socket      the socket's stamps
     */
    KernelTimestamps(TimeSource clock, LongSupplier systemClock, Socket socket) {
        this.carrier = new KernelStamps(clock, systemClock);
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
        if (!KernelStamps.platformSupported()) {
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
            return new KernelTimestamps(clock, KernelStamps::systemNanos, socket);
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
        return carrier.arrival(socket.lastStamp(), readNanos);
    }

    /**
     * T1 of each datagram of a send: its kernel transmit timestamp on the local timescale, read off the error
     * queue right after the send syscall, from the stamp whose looped packet holds the datagram's bytes.
     * Stamps of no datagram here (sent later from an earlier flush) are dropped.
     *
     * @param payloads  the bytes of each datagram written since the last send, in order (null: no T1 wanted)
     * @param userNanos T1 read in user space before the send syscall (local timescale, ns)
     * @return each datagram's T1 (ns): its stamp carried to the local timescale, or {@code userNanos} where there
     *         is none to trust
     */
    long[] departures(byte[][] payloads, long userNanos) {
        long[] stamps = new long[payloads.length];
        Arrays.fill(stamps, Long.MIN_VALUE);
        for (Transmitted t; (t = socket.nextTransmitted()) != null; ) {
            for (int i = 0; i < payloads.length; i++) {
                if (stamps[i] == Long.MIN_VALUE && payloads[i] != null && holds(t.packet(), payloads[i])) {
                    stamps[i] = t.stamp();
                    break;
                }
            }
        }
        noteUnstamped(payloads, stamps);
        long[] now = carrier.now();
        long[] t1 = new long[payloads.length];
        for (int i = 0; i < t1.length; i++) {
            long carried = carrier.carried(stamps[i], now[0], now[1], now[2], true);
            t1[i] = carried == Long.MIN_VALUE || carried < userNanos ? userNanos : carried;
        }
        return t1;
    }

    /** Counts sends of requests that found no stamp at all, and warns once when the kernel seems to give none. */
    private void noteUnstamped(byte[][] payloads, long[] stamps) {
        boolean wanted = false;
        boolean found = false;
        for (int i = 0; i < payloads.length; i++) {
            wanted |= payloads[i] != null;
            found |= stamps[i] != Long.MIN_VALUE;
        }
        if (!wanted) {
            return;
        }
        unstampedSends = found ? 0 : unstampedSends + 1;
        if (unstampedSends == UNSTAMPED_WARNING && !warnedUnstamped) {
            warnedUnstamped = true;
            LOG.warn("T1 from user space: the kernel gave no transmit stamp for {} sends in a row (net.core.tstamp_allow_data"
                    + " 0 without CAP_NET_RAW, or a device that stamps nothing); the interval stays exact, only wider",
                    UNSTAMPED_WARNING);
        }
    }

    /** Whether the warning that the kernel gives no transmit stamps has been logged. */
    boolean warnedUnstamped() {
        return warnedUnstamped;
    }

    /** Whether {@code packet} holds {@code payload} anywhere (after its headers, perhaps before a trailer). */
    private static boolean holds(byte[] packet, byte[] payload) {
        for (int at = 0; at + payload.length <= packet.length; at++) {
            if (Arrays.equals(packet, at, at + payload.length, payload, 0, payload.length)) {
                return true;
            }
        }
        return false;
    }

    /** Empties the error queue of transmit stamps nobody waits for (datagrams the kernel sent after their flush). */
    void dropStaleTransmitStamps() {
        while (socket.nextTransmitted() != null) {
            // their sends are past
        }
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
            this.message = transmit ? new Memory(MSGHDR + IOVEC + PACKET + CONTROL) : null;
        }

        @Override
        public long lastStamp() {
            return fd.isOpen() ? KernelStamps.lastStamp(fd.intValue(), timespec) : Long.MIN_VALUE;
        }

        @Override
        public Transmitted nextTransmitted() {
            while (transmit && fd.isOpen()) {
                // struct msghdr: no name; one iovec for the looped packet; the control buffer.
                message.clear(MSGHDR + IOVEC);
                long iovec = Pointer.nativeValue(message) + MSGHDR;
                long packet = iovec + IOVEC;
                message.setLong(16, iovec);
                message.setLong(24, 1);
                message.setLong(32, packet + PACKET);
                message.setLong(40, CONTROL);
                message.setLong(MSGHDR, packet);
                message.setLong(MSGHDR + 8, PACKET);
                long length = CLibrary.recvmsg(fd.intValue(), message, ERRQUEUE_NOW);
                if (length < 0) {
                    return null;
                }
                if ((message.getInt(48) & MSG_TRUNC) == 0
                        && isTransmitStamp(message.share(MSGHDR + IOVEC + PACKET), Math.min(message.getLong(40), CONTROL))) {
                    return new Transmitted(message.getByteArray(MSGHDR + IOVEC, (int) length), lastStamp());
                }
            }
            return null;
        }

        /** Whether the control messages say the entry is a transmit stamp (its struct sock_extended_err). */
        private static boolean isTransmitStamp(Pointer control, long length) {
            for (long at = 0; at + 16 <= length; ) {
                long cmsgLength = control.getLong(at);
                if (cmsgLength < 16 || at + cmsgLength > length) {
                    return false;
                }
                int level = control.getInt(at + 8);
                int type = control.getInt(at + 12);
                if ((level == 0 && type == IP_RECVERR) || (level == 41 && type == IPV6_RECVERR)) {
                    return cmsgLength >= 16 + 16 && control.getInt(at + 16) == ENOMSG
                            && control.getByte(at + 16 + 4) == ORIGIN_TIMESTAMPING && control.getInt(at + 16 + 8) == 0;
                }
                at += (cmsgLength + 7) & ~7L;
            }
            return false;
        }
    }
}
