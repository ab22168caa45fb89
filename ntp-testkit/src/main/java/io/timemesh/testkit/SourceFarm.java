package io.timemesh.testkit;

import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.NtpMode;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.time.TimeSource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many truthful NTP servers at once, for load: one socket per server, each on its own loopback
 * address (chrony keys sources by address), all answered straight away by a single thread. Where
 * {@link SimulatedNtpServer} spends two threads per server to shape its path exactly, this spends
 * none, so a thousand of them leave the machine's cores to the clients being measured.
 */
public final class SourceFarm implements AutoCloseable {
    private final Selector selector;
    private final List<DatagramChannel> channels = new ArrayList<>();
    private final TimeSource truth;
    private final ServerBehaviour behaviour;
    private final long offsetNanos;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong replies = new AtomicLong();

    /**
     * Binds {@code count} servers on {@code port} at 127.S.x.y for consecutive addresses from
     * 127.{@code firstSubnet}.0.1, skipping .0 and .255 host bytes.
     */
    public SourceFarm(int count, int firstSubnet, int port, TimeSource truth, ServerBehaviour behaviour)
            throws IOException {
        this.selector = Selector.open();
        this.truth = truth;
        this.behaviour = behaviour;
        this.offsetNanos = Math.round(behaviour.offsetSeconds() * 1e9);
        try {
            for (int i = 0; i < count; i++) {
                DatagramChannel channel = DatagramChannel.open();
                channels.add(channel);
                channel.bind(new InetSocketAddress(address(firstSubnet, i), port));
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ);
            }
        } catch (IOException e) {
            close();
            throw e;
        }
        Thread loop = new Thread(this::serve, "source-farm");
        loop.setDaemon(true);
        loop.start();
    }

    /** The {@code index}th address: 127.{firstSubnet + index / 254 / 256}.{(index / 254) % 256}.{1 + index % 254}. */
    public static String address(int firstSubnet, int index) {
        int block = index / 254;
        return "127." + (firstSubnet + block / 256) + "." + (block % 256) + "." + (1 + index % 254);
    }

    /** Every server as "host:port", as the sampler and the CLI take it. */
    public List<String> hostPorts() {
        return channels.stream().map(c -> {
            try {
                InetSocketAddress local = (InetSocketAddress) c.getLocalAddress();
                return local.getAddress().getHostAddress() + ":" + local.getPort();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    public long requests() {
        return requests.get();
    }

    public long replies() {
        return replies.get();
    }

    private void serve() {
        ByteBuffer in = ByteBuffer.allocate(2048);
        while (selector.isOpen()) {
            try {
                selector.select();
                var ready = selector.selectedKeys().iterator();
                while (ready.hasNext()) {
                    DatagramChannel channel = (DatagramChannel) ready.next().channel();
                    ready.remove();
                    in.clear();
                    SocketAddress client = channel.receive(in);
                    if (client != null) {
                        answer(channel, client, in);
                    }
                }
            } catch (IOException | ClosedSelectorException e) {
                return; // closed
            }
        }
    }

    private void answer(DatagramChannel channel, SocketAddress client, ByteBuffer in) throws IOException {
        requests.incrementAndGet();
        if (NtpPacketCodec.decode(in.array(), 0, in.position()) instanceof DecodeResult.Decoded request
                && request.packet().mode() == NtpMode.CLIENT) {
            long t2 = truth.nowNanos() + offsetNanos;
            long t3 = truth.nowNanos() + offsetNanos;
            byte[] reply = NtpPacketCodec.encode(SimulatedNtpServer.reply(request.packet(), behaviour, behaviour.leap(),
                    behaviour.stratum(), request.packet().transmitTimestamp(), t2, Math.max(t2, t3)));
            // Counted before it leaves, so a client holding the reply never sees a count without it.
            replies.incrementAndGet();
            if (channel.send(ByteBuffer.wrap(reply), client) == 0) {
                replies.decrementAndGet(); // the socket's buffer was full: not sent
            }
        }
    }

    @Override
    public void close() {
        try {
            selector.close();
            for (DatagramChannel channel : channels) {
                channel.close();
            }
        } catch (IOException e) {
            // closing sockets of a test double; nothing to recover
        }
    }
}
