package io.timemesh.api;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.timemesh.core.time.KernelStamps;
import io.timemesh.core.time.KernelStamps.CLibrary;
import io.timemesh.core.time.TimeSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests read and replies sent {@value #BATCH} datagrams per system call, {@code recvmmsg} and {@code sendmmsg} on
 * the JDK channel's descriptor, as the floor's loop does ({@code ntpfloor.c}): under load one wake-up and two calls
 * serve a whole batch. Each request's T2 comes from its kernel receive stamp ({@code SO_TIMESTAMPNS}, the
 * datagram's control message), as chronyd stamps its requests (ntp_io_linux.c): on an idle VM the thread's wake-up
 * is most of the delay δ a client measures to us (128–167 µs least of 30 with T2 read after the wake-up, against
 * chronyd's 17–25 µs). {@link KernelStamps} carries the stamp to the local timescale as an arrival (never early;
 * the reading after the receive wherever the stamp is in doubt); T2 is then the reading less the wait at the
 * slowest rate true time can run ({@code NtpServerVerticle.Received}), so a client's interval [T3 − T4, T2 − T1]
 * stays exact.
 *
 * <p>The channel only binds and closes the socket: its descriptor is read from its {@code fdVal} field, which needs
 * {@code java.base/sun.nio.ch} opened (the launcher's manifest opens it for {@code java -jar}; elsewhere,
 * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}). Closing the channel would not end a receive blocked in
 * the C library, and the descriptor's number could pass to another socket: so {@link #wake()} shuts the socket's
 * receiving side down ({@code shutdown(SHUT_RD)}), which ends the wait, and the serving thread closes the channel
 * as it leaves ({@link #close()}, under the wake's lock); a receive also gives up after {@link #WAIT_SECONDS}.
 * Layouts: 64-bit Linux on x86-64 and AArch64 ({@link KernelStamps#platformSupported()}). Where the stamps stop
 * coming (every one refused in {@value #UNSTAMPED_WARNING} receives in a row), a warning says so, once until
 * they come again.
 */
final class BatchedDatagrams implements NtpDatagrams {
    private static final Logger LOG = LoggerFactory.getLogger(BatchedDatagrams.class);

    /** Datagrams per receive and per send, as the floor's. */
    static final int BATCH = 64;
    /** Receives in a row whose datagrams got no usable receive stamp that are warned of, once. */
    static final int UNSTAMPED_WARNING = 8;
    /**
     * Readings of the clocks' bracket for a datagram while it is wider than {@link KernelStamps#MAX_BRACKET_NANOS}
     * (the thread preempted between them); one that holds serves the rest of the batch.
     */
    private static final int BRACKET_TRIES = 3;
    /** Longest a receive waits before it looks whether the channel is still open (s). */
    static final int WAIT_SECONDS = 1;

    // sys/socket.h, asm-generic/socket.h, bits/socket.h on 64-bit Linux.
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int SO_TIMESTAMPNS = 35; // also the control message's type, SCM_TIMESTAMPNS
    private static final int MSG_WAITFORONE = 0x10000;
    private static final int SHUT_RD = 0;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;

    /** struct mmsghdr: msg_name 0, msg_namelen 8, msg_iov 16, msg_iovlen 24, msg_control 32, msg_controllen 40, msg_len 56. */
    private static final int MMSGHDR = 64;
    private static final int IOVEC = 16;
    /** A struct sockaddr_in6 (28 bytes), which holds a sockaddr_in too, in a slot of 32. */
    private static final int NAME = 28;
    private static final int NAME_SLOT = 32;
    /** Room for the stamp's control message (CMSG_SPACE of a timespec: 32 bytes) and another. */
    private static final int CONTROL = 64;

    private static final int IN_HEADERS = 0;
    private static final int OUT_HEADERS = IN_HEADERS + BATCH * MMSGHDR;
    private static final int IN_VECTORS = OUT_HEADERS + BATCH * MMSGHDR;
    private static final int OUT_VECTORS = IN_VECTORS + BATCH * IOVEC;
    private static final int NAMES = OUT_VECTORS + BATCH * IOVEC;
    private static final int CONTROLS = NAMES + BATCH * NAME_SLOT;
    private static final int IN_DATA = CONTROLS + BATCH * CONTROL;

    private final DatagramChannel channel;
    private final int fd;
    private final int capacity;
    private final int outData;
    /** The headers, vectors, names, control messages, requests and replies, in that order; never freed before GC. */
    private final Memory memory;
    /** The same memory, for reads and writes without a native call each. */
    private final ByteBuffer buffer;
    private final Pointer outHeaders;
    private final KernelStamps carrier;

    /** Datagrams in the current batch; replies queued for it. */
    private int received;
    private int replies;
    /** Local, system, local clocks read once per batch for its stamps (ns); null until the batch's first. */
    private long[] bracket;
    /** Whether a datagram of the current batch got its stamp; receives in a row in which none did. */
    private boolean stamped;
    private int unstamped;
    private boolean warned;
    /** Set by {@link #wake()}: a receive on the shut socket returns an empty "datagram" from nobody, not a request. */
    private volatile boolean woken;

    private BatchedDatagrams(DatagramChannel channel, int fd, TimeSource clock, int capacity) {
        this.channel = channel;
        this.fd = fd;
        this.capacity = capacity;
        this.outData = IN_DATA + BATCH * slot(capacity);
        this.memory = new Memory(outData + (long) BATCH * slot(capacity));
        this.memory.clear();
        this.buffer = memory.getByteBuffer(0, memory.size()).order(ByteOrder.nativeOrder());
        this.outHeaders = memory.share(OUT_HEADERS);
        this.carrier = new KernelStamps(clock, KernelStamps::systemNanos);
        long base = Pointer.nativeValue(memory);
        for (int i = 0; i < BATCH; i++) {
            int in = IN_HEADERS + i * MMSGHDR;
            buffer.putLong(in, base + NAMES + (long) i * NAME_SLOT);
            buffer.putLong(in + 16, base + IN_VECTORS + (long) i * IOVEC);
            buffer.putLong(in + 24, 1);
            buffer.putLong(in + 32, base + CONTROLS + (long) i * CONTROL);
            buffer.putLong(IN_VECTORS + i * IOVEC, base + IN_DATA + (long) i * slot(capacity));
            buffer.putLong(IN_VECTORS + i * IOVEC + 8, capacity);
            int out = OUT_HEADERS + i * MMSGHDR;
            buffer.putLong(out + 16, base + OUT_VECTORS + (long) i * IOVEC);
            buffer.putLong(out + 24, 1);
            buffer.putLong(OUT_VECTORS + i * IOVEC, base + outData + (long) i * slot(capacity));
        }
        reset(BATCH);
    }

    /**
     * Batches on {@code channel}'s descriptor {@code fd}, its receive stamps switched on before any request is read.
     *
     * @throws IOException          where the socket refuses the stamps or the receive timeout
     * @throws UnsatisfiedLinkError (or another {@link Error}) where JNA or the C library cannot load
     */
    static BatchedDatagrams open(DatagramChannel channel, int fd, TimeSource clock, int capacity) throws IOException {
        try (Memory option = new Memory(16)) {
            option.setInt(0, 1);
            if (CLibrary.setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, option, 4) != 0) {
                throw new IOException("SO_TIMESTAMPNS refused, errno " + Native.getLastError());
            }
            option.setLong(0, WAIT_SECONDS); // struct timeval
            option.setLong(8, 0);
            if (CLibrary.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, option, 16) != 0) {
                throw new IOException("SO_RCVTIMEO refused, errno " + Native.getLastError());
            }
        }
        return new BatchedDatagrams(channel, fd, clock, capacity);
    }

    /** A datagram's room, rounded up to 8 bytes. */
    private static int slot(int capacity) {
        return (capacity + 7) & ~7;
    }

    /** Gives back the room the kernel shortened to what it filled, in the first {@code count} headers. */
    private void reset(int count) {
        for (int i = 0; i < count; i++) {
            int in = IN_HEADERS + i * MMSGHDR;
            buffer.putInt(in + 8, NAME);
            buffer.putLong(in + 40, CONTROL);
        }
    }

    @Override
    public int receive() throws IOException {
        countStamps();
        reset(received);
        received = 0;
        replies = 0;
        bracket = null;
        if (!channel.isOpen()) { // before the call: its descriptor's number may be another socket's by now
            throw new ClosedChannelException();
        }
        if (woken) {
            return 0;
        }
        int count = CLibrary.recvmmsg(fd, memory, BATCH, MSG_WAITFORONE, null);
        if (woken) { // what it read after the wake: the shut socket's empty entry, or requests nobody will answer
            return 0;
        }
        if (count < 0) {
            int errno = Native.getLastError();
            if (errno == EAGAIN || errno == EINTR) {
                return 0;
            }
            throw channel.isOpen() ? new IOException("recvmmsg: errno " + errno) : new ClosedChannelException();
        }
        received = count;
        return count;
    }

    @Override
    public int length(int i) {
        return buffer.getInt(IN_HEADERS + i * MMSGHDR + 56);
    }

    @Override
    public void read(int i, byte[] into, int length) {
        buffer.get(IN_DATA + i * slot(capacity), into, 0, length);
    }

    @Override
    public long arrival(int i, long readNanos) {
        for (int tries = 0; bracket == null || (tries < BRACKET_TRIES
                && bracket[2] - bracket[0] > KernelStamps.MAX_BRACKET_NANOS); tries++) {
            bracket = carrier.now(); // one preemption between the readings would cost the whole batch its stamps
        }
        long carried = carrier.carried(stamp(i), bracket[0], bracket[1], bracket[2], false);
        long arrival = carried == Long.MIN_VALUE || carried > readNanos ? readNanos : carried;
        stamped |= arrival != readNanos;
        return arrival;
    }

    /** Counts the last batch's receive as unstamped where none of its datagrams got a stamp; warns at the 8th. */
    private void countStamps() {
        if (received == 0 || bracket == null) { // nothing received, or no arrival asked for
            return;
        }
        unstamped = stamped ? 0 : unstamped + 1;
        stamped = false;
        warned &= unstamped > 0; // stamps came again: a later stop is worth a warning of its own
        if (unstamped == UNSTAMPED_WARNING && !warned) {
            warned = true;
            LOG.warn("NTP server: T2 from user space: no usable receive stamp in {} receives in a row", UNSTAMPED_WARNING);
        }
    }

    /** Datagram {@code i}'s SCM_TIMESTAMPNS (system clock, Unix ns), or {@link Long#MIN_VALUE} where it has none. */
    private long stamp(int i) {
        int control = CONTROLS + i * CONTROL;
        long length = Math.min(buffer.getLong(IN_HEADERS + i * MMSGHDR + 40), CONTROL);
        for (int at = 0; at + 16 <= length; ) {
            long cmsgLength = buffer.getLong(control + at);
            if (cmsgLength < 16 || cmsgLength > length - at) {
                return Long.MIN_VALUE;
            }
            if (buffer.getInt(control + at + 8) == SOL_SOCKET && buffer.getInt(control + at + 12) == SO_TIMESTAMPNS
                    && cmsgLength >= 32) {
                return buffer.getLong(control + at + 16) * 1_000_000_000L + buffer.getLong(control + at + 24);
            }
            at += (int) ((cmsgLength + 7) & ~7L);
        }
        return Long.MIN_VALUE;
    }

    @Override
    public String client(int i) {
        int name = NAMES + i * NAME_SLOT;
        int family = buffer.getShort(name) & 0xffff;
        byte[] address = new byte[family == AF_INET6 ? 16 : family == AF_INET ? 4 : 0];
        buffer.get(name + (family == AF_INET6 ? 8 : 4), address, 0, address.length);
        try {
            return InetAddress.getByAddress(address).getHostAddress(); // a v4-mapped one as IPv4, as the JDK gives it
        } catch (UnknownHostException e) { // not a family a UDP socket of ours receives from
            return "family " + family;
        }
    }

    @Override
    public void reply(int i, byte[] reply) {
        if (reply.length > capacity || i < 0 || i >= received || replies == received) {
            throw new IllegalArgumentException("reply of " + reply.length + " bytes to datagram " + i + " of "
                    + received + ", " + replies + " queued: over " + capacity + " bytes or not one per datagram");
        }
        int k = replies++;
        int out = OUT_HEADERS + k * MMSGHDR;
        buffer.putLong(out, Pointer.nativeValue(memory) + NAMES + (long) i * NAME_SLOT);
        buffer.putInt(out + 8, buffer.getInt(IN_HEADERS + i * MMSGHDR + 8));
        buffer.putLong(OUT_VECTORS + k * IOVEC + 8, reply.length);
        buffer.put(outData + k * slot(capacity), reply);
    }

    @Override
    public void flush() throws IOException {
        for (int k = 0; k < replies; ) {
            if (!channel.isOpen()) {
                throw new ClosedChannelException();
            }
            int sent = CLibrary.sendmmsg(fd, k == 0 ? outHeaders : outHeaders.share((long) k * MMSGHDR), replies - k, 0);
            int errno = sent < 0 ? Native.getLastError() : 0;
            if (errno == EINTR) {
                continue; // a signal before anything was sent: again
            }
            if (sent < 0) { // the reply at k is refused (a client's ICMP error, a full buffer): dropped
                LOG.debug("NTP server: sendmmsg: errno {}", errno);
            }
            k += Math.max(sent, 1);
        }
        replies = 0;
    }

    /** Under the same lock as {@link #close()}: never shuts down a descriptor whose number another socket has now. */
    @Override
    public synchronized void wake() {
        woken = true;
        if (channel.isOpen()) {
            CLibrary.shutdown(fd, SHUT_RD); // ENOTCONN on an unconnected UDP socket, but its waiter is woken
        }
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
