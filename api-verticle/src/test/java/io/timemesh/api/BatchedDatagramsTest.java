package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timemesh.core.time.KernelStamps;
import io.timemesh.core.time.MonotonicTimescale;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The NTP server's batches over real sockets on loopback (java.base/sun.nio.ch opened by this module's surefire, as
 * the launcher's manifest opens it): requests queued while the thread was busy come in one receive with their kernel
 * arrival, and each reply goes back to its own sender, IPv4 and IPv6 alike.
 */
@Timeout(60)
class BatchedDatagramsTest {
    private static final int CAPACITY = 100;

    private static BatchedDatagrams open(DatagramChannel server, MonotonicTimescale local) throws Exception {
        return BatchedDatagrams.open(server, KernelStamps.descriptor(server), local, CAPACITY);
    }

    @Test
    void aRequestReadLateGetsItsArrivalNotItsRead() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        try (DatagramChannel server = DatagramChannel.open();
             DatagramChannel client = DatagramChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            BatchedDatagrams batch = open(server, local);
            // A stamp is refused (the read kept) when this thread is preempted between the clocks' readings: try again.
            long arrival = 0;
            long sent = 0;
            long read = 0;
            for (int attempt = 0; attempt < 3 && arrival == read; attempt++) {
                sent = local.nowNanos();
                client.send(ByteBuffer.wrap(new byte[48]), server.getLocalAddress());
                TimeUnit.MILLISECONDS.sleep(200); // the serving thread busy with others: the request waits, queued
                assertThat(batch.receive()).isEqualTo(1);
                read = local.nowNanos();
                arrival = batch.arrival(0, read);
            }
            assertThat(arrival).as("the arrival, not the read 200 ms later").isLessThan(read - 150_000_000L)
                    .as("never before the request was sent").isGreaterThanOrEqualTo(sent);
        }
    }

    /**
     * Seven requests from seven sockets, IPv4 ones as v4-mapped addresses and IPv6 ones, queued on a dual-stack
     * socket: one receive reads them all, in order, each with its own arrival, during its send (not the read 200 ms
     * later); the replies, queued in another order, go back one to each sender.
     */
    @Test
    void queuedRequestsComeInOneReceiveAndEachReplyGoesToItsSender() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        List<DatagramChannel> clients = new ArrayList<>();
        try (DatagramChannel server = DatagramChannel.open(StandardProtocolFamily.INET6)) {
            server.bind(new InetSocketAddress("::", 0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            BatchedDatagrams batch = open(server, local);
            long[] before = new long[7];
            long[] after = new long[7];
            for (int k = 0; k < 7; k++) {
                boolean v6 = k % 2 == 1;
                DatagramChannel client = DatagramChannel.open(v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
                client.bind(new InetSocketAddress(v6 ? "::1" : "127.0.0.1", 0));
                clients.add(client);
                byte[] request = new byte[48 + k]; // told apart by length
                request[0] = (byte) k;
                InetSocketAddress to = new InetSocketAddress(v6 ? "::1" : "127.0.0.1", port);
                before[k] = local.nowNanos();
                client.send(ByteBuffer.wrap(request), to);
                after[k] = local.nowNanos();
            }
            TimeUnit.MILLISECONDS.sleep(200); // queued while the serving thread is busy
            assertThat(batch.receive()).isEqualTo(7);
            long read = local.nowNanos();
            Map<Integer, String> senders = new HashMap<>();
            for (int i = 0; i < 7; i++) {
                assertThat(batch.length(i)).isEqualTo(48 + i);
                byte[] request = new byte[CAPACITY];
                batch.read(i, request, batch.length(i));
                assertThat(request[0]).isEqualTo((byte) i);
                // Each its own stamp, not the read; the bracket is retried where preempted, so a refusal is rare.
                // (never early; late by at most the clocks' bracket, 20 µs)
                assertThat(batch.arrival(i, read)).as("datagram %d's arrival", i).isBetween(before[i], after[i] + 20_000);
                senders.put(i, batch.client(i));
            }
            assertThat(senders).containsEntry(0, "127.0.0.1").containsEntry(1, "0:0:0:0:0:0:0:1");
            for (int i = 6; i >= 0; i--) {
                batch.reply(i, new byte[] {(byte) (100 + i), 7});
            }
            batch.flush();
            for (int k = 0; k < 7; k++) {
                ByteBuffer reply = ByteBuffer.allocate(16);
                clients.get(k).configureBlocking(false);
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (clients.get(k).receive(reply) == null && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(5);
                }
                assertThat(reply.flip().remaining()).as("client %d's reply", k).isEqualTo(2);
                assertThat(reply.get(0)).isEqualTo((byte) (100 + k));
            }
        } finally {
            for (DatagramChannel client : clients) {
                client.close();
            }
        }
    }

    /** A datagram longer than the capacity is cut there, so that the caller can tell it (it reads one byte more). */
    @Test
    void aDatagramLongerThanTheCapacityIsCutAtIt() throws Exception {
        try (DatagramChannel server = DatagramChannel.open();
             DatagramChannel client = DatagramChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            BatchedDatagrams batch = open(server, new MonotonicTimescale());
            client.send(ByteBuffer.wrap(new byte[CAPACITY + 50]), server.getLocalAddress());
            client.send(ByteBuffer.wrap(new byte[3]), server.getLocalAddress());
            TimeUnit.MILLISECONDS.sleep(50);
            assertThat(batch.receive()).isEqualTo(2);
            assertThat(batch.length(0)).isEqualTo(CAPACITY);
            assertThat(batch.length(1)).isEqualTo(3);
        }
    }

    /**
     * A receive blocked in the C library ends at the wake, well before its own timeout, and every receive after it
     * returns nothing at once; a closed channel's receive throws rather than reading a descriptor that may be
     * another socket's.
     */
    @Test
    void aWakeEndsABlockedReceiveAndAClosedChannelIsNotRead() throws Exception {
        try (DatagramChannel server = DatagramChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            wakeAndClose(server, open(server, new MonotonicTimescale()));
        }
    }

    private static void wakeAndClose(DatagramChannel server, BatchedDatagrams batch) throws Exception {
        AtomicInteger got = new AtomicInteger(-1);
        AtomicLong returned = new AtomicLong();
        Thread reader = new Thread(() -> {
            try {
                got.set(batch.receive());
                returned.set(System.nanoTime());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        reader.start();
        TimeUnit.MILLISECONDS.sleep(100); // blocked in recvmmsg by now; its timeout would end it 900 ms after the wake
        long woken = System.nanoTime();
        batch.wake();
        reader.join(5_000);
        assertThat(got.get()).isZero();
        assertThat(TimeUnit.NANOSECONDS.toMillis(returned.get() - woken))
                .as("ended by the wake, not by the %d s timeout", BatchedDatagrams.WAIT_SECONDS)
                .isLessThan(TimeUnit.SECONDS.toMillis(BatchedDatagrams.WAIT_SECONDS) / 2);
        assertThat(returned.get()).as("blocked until the wake").isGreaterThanOrEqualTo(woken);
        assertThat(batch.receive()).isZero();
        batch.close();
        assertThat(server.isOpen()).isFalse();
        assertThatThrownBy(batch::receive).isInstanceOf(ClosedChannelException.class);
    }

    /** Where no batch can be had, the JDK's channel answers one request at a time, to its sender. */
    @Test
    void theJdksChannelAnswersOneAtATime() throws Exception {
        try (DatagramChannel server = DatagramChannel.open();
             DatagramChannel client = DatagramChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            client.bind(new InetSocketAddress("127.0.0.1", 0));
            JdkDatagrams one = new JdkDatagrams(server, CAPACITY);
            client.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), server.getLocalAddress());
            client.send(ByteBuffer.wrap(new byte[] {4}), server.getLocalAddress());
            assertThat(one.receive()).isEqualTo(1);
            assertThat(one.length(0)).isEqualTo(3);
            assertThat(one.arrival(0, 42)).isEqualTo(42);
            assertThat(one.client(0)).isEqualTo("127.0.0.1");
            one.reply(0, new byte[] {9, 9});
            one.flush();
            ByteBuffer reply = ByteBuffer.allocate(8);
            client.receive(reply);
            assertThat(reply.flip().remaining()).isEqualTo(2);
            assertThat(one.receive()).isEqualTo(1);
            assertThat(one.length(0)).isEqualTo(1);
            one.wake();
            assertThat(server.isOpen()).isFalse();
        }
    }
}
