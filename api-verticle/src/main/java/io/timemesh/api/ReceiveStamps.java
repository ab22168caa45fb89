package io.timemesh.api;

import com.sun.jna.Memory;
import io.timemesh.core.time.KernelStamps;
import io.timemesh.core.time.TimeSource;
import java.lang.reflect.Field;
import java.nio.channels.DatagramChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * T2 from the kernel: when a request entered the host's network stack, rather than when the NTP server's thread,
 * blocked in its receive, woke up and read a clock. On an idle VM that wake-up is most of the delay δ a client
 * measures to us: 128–167 µs least of 30 against chronyd's 17–25 µs, which stamps its requests in the kernel
 * (ntp_io_linux.c). After each receive the {@code SIOCGSTAMPNS} ioctl gives the datagram's receive stamp, which
 * {@link KernelStamps} carries to the local timescale as an arrival (never early; the reading after the receive
 * wherever the stamp is in doubt); T2 is then the reading less the wait at the slowest rate true time can run
 * ({@code NtpServerVerticle.Received}), so a client's interval [T3 − T4, T2 − T1] stays exact.
 *
 * <p>A JDK channel does not give its descriptor: it is read from the channel's {@code fdVal} field, which needs
 * {@code java.base/sun.nio.ch} opened (the launcher's manifest opens it for {@code java -jar}; elsewhere,
 * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}). Where it is not, or JNA cannot load, or the platform is
 * not 64-bit Linux on x86-64 or AArch64, there is no instance and T2 is read in user space, as the log says.
 * One instance per socket, used by its serving thread alone. Nothing is asked of a channel seen closed; one closed
 * between that check and the ask may have its descriptor's number taken by another socket, whose stamp is then
 * read, but a closed channel cannot send the reply. Where the stamps stop coming (every one refused), a warning
 * says so, once until they come again.
 */
final class ReceiveStamps {
    private static final Logger LOG = LoggerFactory.getLogger(ReceiveStamps.class);

    private final DatagramChannel channel;
    private final int fd;
    private final KernelStamps carrier;
    private final Memory timespec = new Memory(16);
    /** Receives in a row whose stamp was refused; {@link #UNSTAMPED_WARNING} of them are warned of once. */
    private int unstamped;
    private boolean warned;
    static final int UNSTAMPED_WARNING = 8;

    private ReceiveStamps(DatagramChannel channel, int fd, TimeSource clock) {
        this.channel = channel;
        this.fd = fd;
        this.carrier = new KernelStamps(clock, KernelStamps::systemNanos);
    }

    /**
     * Receive stamps for {@code channel}, switched on before any request is read, or null (logged at INFO, with the
     * reason) where they cannot be had.
     */
    static ReceiveStamps of(DatagramChannel channel, TimeSource clock) {
        if (!KernelStamps.platformSupported()) {
            LOG.info("NTP server: T2 from user space: kernel timestamps are read on 64-bit Linux on x86-64 and AArch64 only");
            return null;
        }
        try {
            Field fdVal = channel.getClass().getDeclaredField("fdVal");
            fdVal.setAccessible(true);
            ReceiveStamps stamps = new ReceiveStamps(channel, fdVal.getInt(channel), clock);
            KernelStamps.lastStamp(stamps.fd, stamps.timespec); // switches the socket's receive stamps on
            LOG.info("NTP server: T2 from the kernel's receive timestamps");
            return stamps;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) { // java.base/sun.nio.ch not opened, another JDK's channel, JNA that cannot load
            LOG.info("NTP server: T2 from user space: kernel timestamps unavailable ({})", e.toString());
            return null;
        }
    }

    /**
     * When the datagram just received arrived, on the local timescale (ns): its kernel stamp carried, or
     * {@code readNanos} where there is none to trust.
     *
     * @param readNanos the local timescale (ns) read after the receive that returned the datagram
     * @return the arrival (ns), never after {@code readNanos}
     */
    long arrival(long readNanos) {
        long arrival = carrier.arrival(channel.isOpen() ? KernelStamps.lastStamp(fd, timespec) : Long.MIN_VALUE, readNanos);
        unstamped = arrival == readNanos ? unstamped + 1 : 0;
        warned &= unstamped > 0; // stamps came again: a later stop is worth a warning of its own
        if (unstamped == UNSTAMPED_WARNING && !warned) {
            warned = true;
            LOG.warn("NTP server: T2 from user space: no usable receive stamp for {} requests in a row", UNSTAMPED_WARNING);
        }
        return arrival;
    }
}
