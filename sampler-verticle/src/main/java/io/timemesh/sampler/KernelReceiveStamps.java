package io.timemesh.sampler;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.timemesh.core.time.TimeSource;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * T4 from the kernel: the instant the reply entered the host's receive path, as chronyd takes it
 * (ntp_io_linux.c, software receive timestamps), rather than when the event loop got round to reading
 * it. On a loaded machine that wake-up is tens to hundreds of µs; read after it, T4 lengthens the delay δ
 * by it and pulls θ down by half of it.
 *
 * <p>How: Linux's {@code SIOCGSTAMPNS} ioctl (socket(7)) gives the receive time of the datagram last read
 * from the socket, on the system clock (CLOCK_REALTIME). Netty's epoll channel fires each datagram read
 * without {@code recvmmsg} down the pipeline before it reads the next, so asked from the pipeline, it is
 * that datagram's. The first ask switches the socket's timestamps on. The stamp is carried to the local
 * timescale by its age: T4 = local now − (system clock now − stamp). Both clocks tick at the same rate
 * (CLOCK_MONOTONIC, under the local timescale, is slewed with CLOCK_REALTIME); only a step of the
 * system clock separates them, and a step between the arrival and the read would carry the stamp wrong.
 *
 * <p>Why T4 stays honest: the causal interval needs a T4 no earlier than the real arrival. The kernel
 * stamps after it; the local "now" is read after the system clock's, so the age is never under-counted
 * on its account. Every doubt falls back to the reading taken after the read (the T4 from user space,
 * later, so wider and still exact):
 * <ul>
 *   <li>the two clocks read more than {@link #MAX_BRACKET_NANOS} apart (the thread was preempted between them);</li>
 *   <li>the system clock moved against the local timescale by more than {@link #MAX_STEP_NANOS} since the
 *       last reply: it was stepped, and every stamp from before the step is refused too;</li>
 *   <li>a stamp younger than zero or older than {@link #MAX_AGE_NANOS}, or none (no datagram stamped yet).</li>
 * </ul>
 * A step of the system clock smaller than {@link #MAX_STEP_NANOS}, forward, inside the µs between a
 * reply's arrival and its read, is the one case left: it would move that T4 early by at most that much.
 *
 * <p>Used only from the socket's event loop. Where the socket is not an epoll channel (Vert.x without
 * the native transport, as in most unit tests), or JNA cannot load, or the platform is not 64-bit Linux,
 * there is no instance and T4 is read in user space as before.
 */
final class KernelReceiveStamps {
    private static final Logger LOG = LoggerFactory.getLogger(KernelReceiveStamps.class);
    /** linux/sockios.h; with a struct timespec of two 64-bit longs on 64-bit Linux. */
    private static final long SIOCGSTAMPNS = 0x8907;
    static final long MAX_BRACKET_NANOS = 20_000;
    static final long MAX_STEP_NANOS = 50_000;
    static final long MAX_AGE_NANOS = 1_000_000_000L;

    /** The C library's ioctl(2); it returns −1 on failure and sets errno, which we do not need. */
    interface CLibrary extends Library {
        int ioctl(int fd, NativeLong request, Pointer argument);
    }

    private final TimeSource clock;
    private final StampReader stamper;
    /** System clock less local timescale at the last reply (ns); {@link Long#MIN_VALUE} before the first. */
    private long systemLessLocal = Long.MIN_VALUE;
    /** Stamps at or before this system-clock instant (ns) were taken before a step and are refused. */
    private long refuseUpTo = Long.MIN_VALUE;

    /** The stamp of the datagram last read (system clock, Unix ns), or {@link Long#MIN_VALUE} if there is none. */
    @FunctionalInterface
    interface StampReader {
        long lastStamp();
    }

    KernelReceiveStamps(TimeSource clock, StampReader stamper) {
        this.clock = clock;
        this.stamper = stamper;
    }

    /**
     * Kernel receive timestamps for {@code channel}, or null (logged once per socket at INFO, with the reason)
     * where it is not a Linux epoll channel or JNA cannot load.
     */
    static KernelReceiveStamps of(DatagramChannel channel, TimeSource clock) {
        if (!(channel instanceof EpollDatagramChannel epoll)) {
            LOG.info("T4 from user space: the sampler's socket is not an epoll channel (Vert.x's native transport is off)");
            return null;
        }
        if (!Platform.isLinux() || Native.LONG_SIZE != 8) {
            LOG.info("T4 from user space: kernel receive timestamps are read on 64-bit Linux only");
            return null;
        }
        try {
            CLibrary c = Native.load("c", CLibrary.class);
            int fd = epoll.fd().intValue();
            Memory timespec = new Memory(16);
            NativeLong request = new NativeLong(SIOCGSTAMPNS);
            LOG.info("T4 from the kernel: receive timestamps (SIOCGSTAMPNS) on the sampler's socket");
            return new KernelReceiveStamps(clock, () -> c.ioctl(fd, request, timespec) == 0
                    ? timespec.getLong(0) * 1_000_000_000L + timespec.getLong(8) : Long.MIN_VALUE);
        } catch (LinkageError | RuntimeException e) { // no libjnidispatch (e.g. a /tmp without exec), no libc symbol
            LOG.info("T4 from user space: kernel receive timestamps unavailable ({})", e.toString());
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
        long stamp = stamper.lastStamp();
        long localBefore = clock.nowNanos();
        Instant system = Instant.now();
        long localAfter = clock.nowNanos();
        return arrival(readNanos, stamp, localBefore, system.getEpochSecond() * 1_000_000_000L + system.getNano(),
                localAfter);
    }

    /**
     * The rule of {@link #arrival(long)} on given readings (all ns): the stamp and the system clock on the
     * system clock, the rest on the local timescale, read in the order of the parameters.
     */
    long arrival(long readNanos, long stamp, long localBefore, long systemNow, long localAfter) {
        if (localAfter - localBefore > MAX_BRACKET_NANOS) {
            return readNanos;
        }
        long offset = systemNow - localBefore / 2 - localAfter / 2;
        boolean stepped = systemLessLocal != Long.MIN_VALUE && Math.abs(offset - systemLessLocal) > MAX_STEP_NANOS;
        systemLessLocal = offset;
        if (stepped) {
            refuseUpTo = systemNow;
            return readNanos;
        }
        if (stamp == Long.MIN_VALUE || stamp <= refuseUpTo) {
            return readNanos;
        }
        long age = systemNow - stamp;
        return age < 0 || age > MAX_AGE_NANOS ? readNanos : Math.min(readNanos, localAfter - age);
    }
}
