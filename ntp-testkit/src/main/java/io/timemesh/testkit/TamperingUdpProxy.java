package io.timemesh.testkit;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An on-path attacker for one UDP client at a time: listens on {@code host:port}, forwards each datagram to
 * {@code server} and the server's answers back to the last client, flipping one bit of the answers' byte
 * {@link #tamperAt} while that is set (e.g. 47, the low byte of an NTP reply's transmit timestamp T3).
 */
public final class TamperingUdpProxy implements AutoCloseable {
    private final DatagramSocket front;
    private final DatagramSocket back;
    private final InetSocketAddress server;
    private final AtomicInteger tamperAt = new AtomicInteger(-1);
    private final AtomicInteger tampered = new AtomicInteger();
    private volatile SocketAddress client;

    private TamperingUdpProxy(DatagramSocket front, DatagramSocket back, InetSocketAddress server) {
        this.front = front;
        this.back = back;
        this.server = server;
    }

    /** Starts forwarding between {@code host:port} and {@code server}, untouched until {@link #tamperAt} is set. */
    public static TamperingUdpProxy start(String host, int port, InetSocketAddress server) throws IOException {
        DatagramSocket front = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), port));
        DatagramSocket back = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0));
        TamperingUdpProxy proxy = new TamperingUdpProxy(front, back, server);
        Thread forward = new Thread(proxy::forwardRequests, "udp-proxy-requests");
        Thread reverse = new Thread(proxy::forwardReplies, "udp-proxy-replies");
        forward.setDaemon(true);
        reverse.setDaemon(true);
        forward.start();
        reverse.start();
        return proxy;
    }

    /** Flips the lowest bit of byte {@code index} of every reply from now on; -1 stops tampering. */
    public void tamperAt(int index) {
        tamperAt.set(index);
    }

    /** How many replies were altered so far. */
    public int tampered() {
        return tampered.get();
    }

    private void forwardRequests() {
        byte[] buffer = new byte[2048];
        while (!front.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                front.receive(packet);
                client = packet.getSocketAddress();
                back.send(new DatagramPacket(packet.getData(), packet.getLength(), server));
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                // one lost datagram, as on any network
            }
        }
    }

    private void forwardReplies() {
        byte[] buffer = new byte[2048];
        while (!back.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                back.receive(packet);
                int at = tamperAt.get();
                if (at >= 0 && at < packet.getLength()) {
                    buffer[at] ^= 1;
                    tampered.incrementAndGet();
                }
                SocketAddress to = client;
                if (to != null) {
                    front.send(new DatagramPacket(buffer, packet.getLength(), to));
                }
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                // one lost datagram, as on any network
            }
        }
    }

    @Override
    public void close() {
        front.close();
        back.close();
    }
}
