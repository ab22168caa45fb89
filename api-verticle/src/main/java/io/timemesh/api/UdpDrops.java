package io.timemesh.api;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;

/**
 * Datagrams the kernel dropped because a UDP socket's receive queue was full: what a server that cannot keep up
 * loses before it reads anything. Linux lists every UDP socket in {@code /proc/net/udp} and {@code /proc/net/udp6},
 * one line each, the last column its drop count (the kernel's {@code udp4_format_sock}, {@code udp6_sock_seq_show}).
 */
final class UdpDrops {
    private static final Path UDP = Path.of("/proc/net/udp");
    private static final Path UDP6 = Path.of("/proc/net/udp6");

    private UdpDrops() {}

    /**
     * The drops, summed, of every socket bound to {@code local} (its address and port: the instances of one server
     * sharing the port with SO_REUSEPORT). Reads files: call it off the event loop.
     *
     * @return the sum, or empty where the kernel publishes no such list (not Linux)
     * @throws IOException if a list exists but cannot be read
     */
    static OptionalLong of(InetSocketAddress local) throws IOException {
        if (!Files.isReadable(UDP)) {
            return OptionalLong.empty();
        }
        String bound = procAddress(local);
        Path list = local.getAddress() instanceof Inet4Address ? UDP : UDP6;
        return OptionalLong.of(sum(Files.readAllLines(list), bound));
    }

    /** The drops of the lines (after the header) whose local address is {@code bound}, as {@link #procAddress}. */
    static long sum(List<String> lines, String bound) {
        long drops = 0;
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length > 2 && fields[1].equals(bound)) {
                drops += Long.parseLong(fields[fields.length - 1]);
            }
        }
        return drops;
    }

    /**
     * An address and port as the lists print them: the address's bytes in hex, each 32-bit word in the machine's
     * (little-endian) order, a colon and the port in hex, upper case ({@code 127.0.0.1:123} is {@code 0100007F:007B}).
     */
    static String procAddress(InetSocketAddress local) {
        byte[] address = local.getAddress().getAddress();
        byte[] words = new byte[address.length];
        for (int i = 0; i < address.length; i += 4) {
            for (int j = 0; j < 4; j++) {
                words[i + j] = address[i + 3 - j];
            }
        }
        return HexFormat.of().withUpperCase().formatHex(words) + ":" + String.format("%04X", local.getPort());
    }
}
