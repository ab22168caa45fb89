package io.timemesh.api;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Datagrams the kernel dropped for the UDP sockets bound to one address and port, unread: a full receive queue (a
 * server that cannot keep up), but also a bad checksum found when read and memory pressure (the kernel's per-socket
 * {@code sk_drops}). Linux lists every UDP socket in {@code /proc/net/udp} and {@code /proc/net/udp6}, one line each:
 * its local address, its inode (column 10) and, last, its drop count (the kernel's {@code udp4_format_sock},
 * {@code udp6_sock_seq_show}). The list is read in chunks, not as one snapshot, so a socket's line can be missing
 * from one reading or appear twice: drops are followed per socket, by inode, and a socket missing from one reading
 * keeps its count until it is seen again.
 */
final class UdpDrops {
    private static final Path UDP = Path.of("/proc/net/udp");
    private static final Path UDP6 = Path.of("/proc/net/udp6");
    private static final int INODE = 9;
    /** The kernel prints the count as an unsigned 32-bit number, which wraps. */
    private static final long COUNT_MASK = 0xFFFF_FFFFL;

    private final String bound;
    private final Path list;
    /** Each socket's drops at the last reading, by inode. */
    private final Map<String, Long> seen = new HashMap<>();
    private boolean first = true;

    /** Follows the sockets bound to {@code local} (the instances of one server sharing its port with SO_REUSEPORT). */
    UdpDrops(InetSocketAddress local) {
        this.bound = procAddress(local);
        this.list = local.getAddress() instanceof Inet4Address ? UDP : UDP6;
    }

    /**
     * The drops since the last call, over every socket bound to the address: nothing at the first call (what was
     * dropped before is not this reading's), then each known socket's growth and a new socket's whole count. Reads
     * a file: call it off the event loop, one call at a time.
     *
     * @return the count, or empty where the kernel publishes no such list (not Linux)
     * @throws IOException if the list exists but cannot be read
     */
    Optional<Long> sinceLast() throws IOException {
        if (!Files.isReadable(list)) {
            return Optional.empty();
        }
        return Optional.of(update(Files.readAllLines(list)));
    }

    /** {@link #sinceLast} of the list's lines (its header first). */
    long update(List<String> lines) {
        Map<String, Long> now = new HashMap<>();
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length > INODE + 1 && fields[1].equals(bound)) {
                now.put(fields[INODE], Long.parseLong(fields[fields.length - 1]));
            }
        }
        long added = 0;
        for (Map.Entry<String, Long> socket : now.entrySet()) {
            Long before = seen.put(socket.getKey(), socket.getValue());
            if (!first) {
                added += before == null ? socket.getValue() : (socket.getValue() - before) & COUNT_MASK;
            }
        }
        first = false;
        return added;
    }

    /**
     * An address and port as the lists print them: the address's bytes in hex, each 32-bit word in the machine's
     * order, a colon and the port in hex, upper case ({@code 127.0.0.1:123} is {@code 0100007F:007B} on x86).
     */
    static String procAddress(InetSocketAddress local) {
        byte[] address = local.getAddress().getAddress();
        byte[] words = address.clone();
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            for (int i = 0; i < address.length; i += 4) {
                for (int j = 0; j < 4; j++) {
                    words[i + j] = address[i + 3 - j];
                }
            }
        }
        return HexFormat.of().withUpperCase().formatHex(words) + ":" + String.format("%04X", local.getPort());
    }
}
