package io.timemesh.api;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/**
 * How the NTP server's thread reads requests and sends replies on its bound socket: a batch of datagrams per
 * receive, their replies sent together by {@link #flush()}. Used by that thread alone, except {@link #wake()}.
 * Datagram {@code i} of a batch counts from 0 to what {@link #receive()} returned, less one. Batched
 * ({@link BatchedDatagrams}) where the platform allows, else one at a time ({@link JdkDatagrams}).
 */
interface NtpDatagrams {
    /**
     * Waits for at least one datagram and reads those queued behind it, up to a batch; replies still unsent from the
     * last batch are dropped.
     *
     * @return how many were read; 0 where the wait ended with none (a timeout, a signal, or {@link #wake()})
     * @throws ClosedChannelException once the channel is closed
     * @throws IOException            for a failed receive, after which the next may succeed
     */
    int receive() throws IOException;

    /** Datagram {@code i}'s length in bytes, at most the capacity. */
    int length(int i);

    /** Copies datagram {@code i}'s first {@code length} bytes to the start of {@code into}. */
    void read(int i, byte[] into, int length);

    /**
     * When datagram {@code i} arrived, on the local timescale (ns): its kernel stamp carried, or {@code readNanos}
     * where there is none to trust. Never after {@code readNanos}.
     *
     * @param readNanos the local timescale read after the receive that returned it (ns)
     */
    long arrival(int i, long readNanos);

    /** Datagram {@code i}'s sender's address, as text ({@code InetAddress.getHostAddress}). */
    String client(int i);

    /**
     * Queues {@code reply} to datagram {@code i}'s sender, for {@link #flush()}.
     *
     * @throws IllegalArgumentException for a reply longer than the capacity, to a datagram not in the batch, or one
     *                                  more than the batch has datagrams
     */
    void reply(int i, byte[] reply);

    /**
     * Sends the queued replies. One the kernel refuses is dropped and the rest still go (batched: its errno logged
     * at DEBUG).
     *
     * @throws ClosedChannelException once the channel is closed
     * @throws IOException            for a failed send, one datagram at a time
     */
    void flush() throws IOException;

    /**
     * From any thread: ends the serving thread's wait in {@link #receive()} for good, to stop; the channel may
     * still have to be closed after.
     *
     * @throws IOException where the channel's close failed
     */
    void wake() throws IOException;

    /** Closes the channel: by the serving thread as it leaves, or by whoever started none. */
    void close() throws IOException;
}
