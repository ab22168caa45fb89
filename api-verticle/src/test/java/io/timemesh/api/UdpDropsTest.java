package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The kernel's drops of the UDP sockets on one address, read from /proc/net/udp: parsed, and over real sockets. */
class UdpDropsTest {

    @Test
    void addressesAreSpelledAsTheKernelListsThem() throws Exception {
        assertThat(UdpDrops.procAddress(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 123)))
                .isEqualTo("0100007F:007B");
        assertThat(UdpDrops.procAddress(new InetSocketAddress(InetAddress.getByName("::1"), 4460)))
                .isEqualTo("00000000000000000000000001000000:116C");
    }

    private static String line(String local, long inode, long drops) {
        return "  7: " + local + " 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 " + inode
                + " 2 0000000000000000 " + drops;
    }

    /**
     * Drops are followed per socket (inode): the first reading is the baseline; then growth, a new socket's whole
     * count, a count that wrapped at 32 bits; a socket missing from one reading, or listed twice (the list is read in
     * chunks, not as a snapshot), adds nothing and loses nothing; another address's socket is not counted.
     */
    @Test
    void dropsAreFollowedPerSocketAcrossUnevenReadings() {
        UdpDrops drops = new UdpDrops(new InetSocketAddress(InetAddress.getLoopbackAddress(), 123));
        String ours = "0100007F:007B";
        String other = "0100007F:007C";
        assertThat(drops.update(List.of("header", line(ours, 11, 500), line(other, 12, 900)))).isZero();
        assertThat(drops.update(List.of("header", line(ours, 11, 530), line(other, 12, 990)))).isEqualTo(30);
        assertThat(drops.update(List.of("header", line(other, 12, 995)))).as("ours missing this time").isZero();
        assertThat(drops.update(List.of("header", line(ours, 11, 540), line(ours, 11, 540), line(ours, 13, 7))))
                .as("ours again, listed twice, and a joining socket").isEqualTo(17);
        assertThat(drops.update(List.of("header", line(ours, 11, 4), line(ours, 13, 7))))
                .as("wrapped at 2^32").isEqualTo(0x1_0000_0000L - 540 + 4);
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
            UdpDrops floodedDrops = new UdpDrops(target);
            UdpDrops quietDrops = new UdpDrops(other);
            assertThat(floodedDrops.sinceLast()).hasValue(0L);
            assertThat(quietDrops.sinceLast()).hasValue(0L);
            for (int i = 0; i < 200; i++) {
                sender.send(ByteBuffer.allocate(512), target);
            }
            sender.send(ByteBuffer.allocate(48), other);
            AtomicLong dropped = new AtomicLong();
            await().atMost(Duration.ofSeconds(10)).until(() -> dropped.addAndGet(floodedDrops.sinceLast().orElseThrow()) > 0);
            assertThat(quietDrops.sinceLast()).hasValue(0L);
        }
    }
}
