package io.timemesh.core.time;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.lang.reflect.Field;
import java.nio.channels.DatagramChannel;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * One socket's kernel timestamps carried to the local timescale. Linux stamps datagrams on the system clock
 * (CLOCK_REALTIME); a stamp is carried by its age: the local timescale's reading just before the system clock's,
 * less the age, for a departure (so never late); the reading just after, less the age, for an arrival (so never
 * early). Both clocks tick at the same rate (CLOCK_MONOTONIC, under the local timescale, is slewed with
 * CLOCK_REALTIME); only a step of the system clock separates them. This is how chronyd takes its timestamps
 * (ntp_io_linux.c, software timestamps), with every doubt refused so that an interval built on the stamp stays
 * exact:
 * <ul>
 *   <li>the two clocks read more than {@link #MAX_BRACKET_NANOS} apart (the thread was preempted between them);</li>
 *   <li>the system clock moved against the local timescale by more than {@link #MAX_STEP_NANOS} since the
 *       last stamp: it was stepped, and every stamp from before the step is refused too (after a step back, every
 *       stamp up to where the clock stood before it);</li>
 *   <li>a stamp younger than zero or older than {@link #MAX_AGE_NANOS}, or none.</li>
 * </ul>
 * A step smaller than {@link #MAX_STEP_NANOS} inside the µs between a stamp and its reading is the case left: it
 * could move that departure late or that arrival early by at most that much.
 *
 * <p>One instance per socket, used from one thread at a time. The C library's calls are in {@link CLibrary}.
 */
public final class KernelStamps {
    /** Most ns between the two local readings around the system clock's. */
    public static final long MAX_BRACKET_NANOS = 20_000;
    /** Most ns the system clock may move against the local timescale between stamps before it counts as stepped. */
    public static final long MAX_STEP_NANOS = 50_000;
    /** Oldest stamp taken, ns. */
    public static final long MAX_AGE_NANOS = 1_000_000_000L;
    /** linux/sockios.h; a struct timespec of two 64-bit longs on 64-bit Linux. */
    private static final long SIOCGSTAMPNS = 0x8907;

    private final TimeSource clock;
    private final LongSupplier systemClock;
    /** System clock less local timescale at the last reading (ns); {@link Long#MIN_VALUE} before the first. */
    private long systemLessLocal = Long.MIN_VALUE;
    /** Stamps at or before this system-clock instant (ns) may have been taken before a step and are refused. */
    private long refuseUpTo = Long.MIN_VALUE;

    /**
     * @param clock       the local timescale (ns)
     * @param systemClock the system clock the kernel stamps on (CLOCK_REALTIME, Unix ns)
     */
    public KernelStamps(TimeSource clock, LongSupplier systemClock) {
        this.clock = clock;
        this.systemClock = systemClock;
    }

    /**
     * Direct JNA mappings of the C library's calls, as their man pages give them: −1 on failure, the errno in
     * {@code Native.getLastError()}.
     */
    public static final class CLibrary {
        static {
            Native.register("c");
        }

        public static native int ioctl(int fd, long request, Pointer argument);

        public static native int setsockopt(int fd, int level, int name, Pointer value, int length);

        public static native long recvmsg(int fd, Pointer message, int flags);

        /** Up to {@code length} datagrams into the {@code struct mmsghdr} array at {@code messages}: how many. */
        public static native int recvmmsg(int fd, Pointer messages, int length, int flags, Pointer timeout);

        /** The first {@code length} datagrams of the {@code struct mmsghdr} array at {@code messages}: how many went. */
        public static native int sendmmsg(int fd, Pointer messages, int length, int flags);

        public static native int shutdown(int fd, int how);

        private CLibrary() {}
    }

    /** Whether this platform's stamps can be read here: 64-bit Linux on x86-64 or AArch64 (the layouts used). */
    public static boolean platformSupported() {
        return Platform.isLinux() && Platform.is64Bit() && (Platform.isIntel() || Platform.isARM());
    }

    /**
     * The {@code SIOCGSTAMPNS} ioctl: the system-clock time (Unix ns) of the datagram last read from socket {@code fd}
     * (or of the error-queue entry last read), or {@link Long#MIN_VALUE} where there is none. The first call on a
     * socket switches its receive stamps on.
     *
     * @param timespec 16 bytes of the caller's, written by the kernel
     * @throws UnsatisfiedLinkError (or another {@link Error}) where JNA or the C library cannot load
     */
    public static long lastStamp(int fd, Memory timespec) {
        return CLibrary.ioctl(fd, SIOCGSTAMPNS, timespec) == 0
                ? timespec.getLong(0) * 1_000_000_000L + timespec.getLong(8) : Long.MIN_VALUE;
    }

    /**
     * The descriptor of a JDK datagram channel, for the calls above: read from its {@code fdVal} field, which needs
     * {@code java.base/sun.nio.ch} opened to this code ({@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}; the
     * launcher's manifest opens it for {@code java -jar}).
     *
     * @throws ReflectiveOperationException where the channel has no such field (another JDK's channel)
     * @throws RuntimeException             where the package is not opened ({@code InaccessibleObjectException})
     */
    public static int descriptor(DatagramChannel channel) throws ReflectiveOperationException {
        Field fdVal = channel.getClass().getDeclaredField("fdVal");
        fdVal.setAccessible(true);
        return fdVal.getInt(channel);
    }

    /** The system clock in Unix ns, as {@link Instant#now} reads it (CLOCK_REALTIME). */
    public static long systemNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Local timescale, system clock, local timescale, read in that order (ns). */
    public long[] now() {
        long localBefore = clock.nowNanos();
        long system = systemClock.getAsLong();
        long localAfter = clock.nowNanos();
        return new long[] {localBefore, system, localAfter};
    }

    /**
     * When a datagram read at {@code readNanos} arrived: its receive stamp carried to the local timescale now (never
     * early), or {@code readNanos} where the stamp cannot be trusted or would put the arrival after the read.
     *
     * @param stamp     the datagram's receive stamp (system clock, Unix ns), or {@link Long#MIN_VALUE}
     * @param readNanos the local timescale (ns) read after the read that returned the datagram
     * @return the arrival on the local timescale (ns), never after {@code readNanos}
     */
    public long arrival(long stamp, long readNanos) {
        long[] now = now();
        long carried = carried(stamp, now[0], now[1], now[2], false);
        return carried == Long.MIN_VALUE || carried > readNanos ? readNanos : carried;
    }

    /**
     * A stamp on the system clock carried to the local timescale, or {@link Long#MIN_VALUE} where it cannot be
     * trusted (see the class comment); all ns, the clocks read in the order of the parameters.
     *
     * @param departure a departure, carried from the earlier local reading so that it is never late; else an
     *                  arrival, carried from the later one so that it is never early
     */
    public long carried(long stamp, long localBefore, long systemNow, long localAfter, boolean departure) {
        if (localAfter - localBefore > MAX_BRACKET_NANOS) {
            return Long.MIN_VALUE;
        }
        long offset = systemNow - localBefore / 2 - localAfter / 2;
        boolean stepped = systemLessLocal != Long.MIN_VALUE && Math.abs(offset - systemLessLocal) > MAX_STEP_NANOS;
        long back = stepped ? Math.max(0, systemLessLocal - offset) : 0;
        systemLessLocal = offset;
        if (stepped) {
            // Every stamp from before the step; after a step back, those of its last moments read as younger (the
            // step measured to a bracket's width; a second step never lowers the line).
            refuseUpTo = Math.max(refuseUpTo, systemNow + back + MAX_BRACKET_NANOS);
            return Long.MIN_VALUE;
        }
        if (stamp == Long.MIN_VALUE || stamp <= refuseUpTo) {
            return Long.MIN_VALUE;
        }
        long age = systemNow - stamp;
        return age < 0 || age > MAX_AGE_NANOS ? Long.MIN_VALUE : (departure ? localBefore : localAfter) - age;
    }
}
