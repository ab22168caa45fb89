package io.timemesh.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * One datagram per receive through the JDK channel's own blocking receive and send, T2 read in user space: where
 * {@link BatchedDatagrams} cannot be had (another platform, JNA or the descriptor out of reach). {@link #wake()}
 * closes the channel, which ends its receive.
 */
final class JdkDatagrams implements NtpDatagrams {
    private final DatagramChannel channel;
    private final ByteBuffer in;
    private final ByteBuffer out;
    private SocketAddress sender;
    private byte[] reply;

    /** @param capacity the bytes read of each datagram, and the longest reply sent */
    JdkDatagrams(DatagramChannel channel, int capacity) {
        this.channel = channel;
        this.in = ByteBuffer.allocateDirect(capacity);
        this.out = ByteBuffer.allocateDirect(capacity);
    }

    @Override
    public int receive() throws IOException {
        reply = null;
        in.clear();
        sender = channel.receive(in);
        in.flip();
        return 1;
    }

    @Override
    public int length(int i) {
        return in.limit();
    }

    @Override
    public void read(int i, byte[] into, int length) {
        in.get(0, into, 0, length);
    }

    @Override
    public long arrival(int i, long readNanos) {
        return readNanos;
    }

    @Override
    public String client(int i) {
        return ((InetSocketAddress) sender).getAddress().getHostAddress();
    }

    @Override
    public void reply(int i, byte[] reply) {
        if (reply.length > out.capacity() || this.reply != null) {
            throw new IllegalArgumentException("reply of " + reply.length + " bytes: over " + out.capacity()
                    + " bytes or a second one");
        }
        this.reply = reply;
    }

    @Override
    public void flush() throws IOException {
        if (reply != null) {
            out.clear();
            out.put(reply).flip();
            reply = null;
            channel.send(out, sender);
        }
    }

    @Override
    public void wake() throws IOException {
        channel.close();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
