package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kernel's drops of a UDP socket, read from /proc/net/udp over real sockets. */
class UdpDropsTest {

    @Test
    void addressesAreSpelledAsTheKernelListsThem() throws Exception {
        assertThat(UdpDrops.procAddress(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 123)))
                .isEqualTo("0100007F:007B");
        assertThat(UdpDrops.procAddress(new InetSocketAddress(InetAddress.getByName("::1"), 4460)))
                .isEqualTo("00000000000000000000000001000000:116C");
        assertThat(UdpDrops.sum(List.of("header", " 1: 0100007F:007B 00000000:0000 07 0 0 0 0 0 1 2 3 4 5",
                " 2: 0100007F:007C 00000000:0000 07 0 0 0 0 0 1 2 3 4 9", " 3: 0100007F:007B x 07 0 0 0 0 0 1 2 3 4 6"),
                "0100007F:007B")).isEqualTo(11);
    }

    /** A socket nobody reads, flooded past its receive buffer, shows drops; another socket's are not counted. */
    @Test
    void aFloodedSocketsDropsAreItsOwn() throws Exception {
        try (DatagramChannel flooded = DatagramChannel.open(StandardProtocolFamily.INET);
             DatagramChannel quiet = DatagramChannel.open(StandardProtocolFamily.INET);
             DatagramChannel sender = DatagramChannel.open(StandardProtocolFamily.INET)) {
            flooded.setOption(StandardSocketOptions.SO_RCVBUF, 4096); // the kernel's least: a few datagrams
            flooded.bind(new InetSocketAddress("127.0.0.1", 0));
            quiet.bind(new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress target = (InetSocketAddress) flooded.getLocalAddress();
            InetSocketAddress other = (InetSocketAddress) quiet.getLocalAddress();
            assertThat(UdpDrops.of(target)).hasValue(0);
            for (int i = 0; i < 200; i++) {
                sender.send(ByteBuffer.allocate(512), target);
            }
            sender.send(ByteBuffer.allocate(48), other);
            assertThat(UdpDrops.of(target).orElseThrow()).isPositive();
            assertThat(UdpDrops.of(other)).hasValue(0);
        }
    }
}
