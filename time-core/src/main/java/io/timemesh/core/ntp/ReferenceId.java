package io.timemesh.core.ntp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The 32-bit reference identifier: ASCII for stratum 0 (kiss code) and 1 (clock name), else an IPv4 address or hash. */
public final class ReferenceId {
    private ReferenceId() {}

    /** Packs up to four ASCII characters, left-justified and zero padded, as RFC 5905 §7.3 lays them out. */
    public static int ofAscii(String code) {
        byte[] bytes = code.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > 4) {
            throw new IllegalArgumentException("a reference id holds at most 4 ASCII characters: " + code);
        }
        int value = 0;
        for (int i = 0; i < 4; i++) {
            value = (value << 8) | (i < bytes.length ? bytes[i] & 0xFF : 0);
        }
        return value;
    }

    /**
     * The reference id a server of stratum 2 or more sends for its system peer (RFC 5905 §7.3): the peer's
     * IPv4 address, or for an IPv6 peer the first four octets of the MD5 hash of its address.
     *
     * @param address an IP literal with a port, as the sampler reports it: "ip:port" or "[ipv6]:port"
     * @return the 32-bit reference id
     * @throws IllegalArgumentException when {@code address} holds no IP literal
     */
    public static int ofAddress(String address) {
        String host = address.substring(0, Math.max(0, address.lastIndexOf(':')));
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        byte[] bytes = literal(host);
        if (bytes.length == 16) {
            try {
                bytes = MessageDigest.getInstance("MD5").digest(bytes);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java platform has MD5", e);
            }
        }
        return ((bytes[0] & 0xFF) << 24) | ((bytes[1] & 0xFF) << 16) | ((bytes[2] & 0xFF) << 8) | (bytes[3] & 0xFF);
    }

    /** The bytes of an IPv4 or IPv6 literal, never looked up by name. */
    private static byte[] literal(String host) {
        int scope = host.indexOf('%');
        String bare = scope < 0 ? host : host.substring(0, scope);
        boolean ipv4 = bare.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (!ipv4 && !(bare.indexOf(':') >= 0 && bare.matches("[0-9A-Fa-f:.]+"))) {
            throw new IllegalArgumentException("not an IP address: " + host);
        }
        try {
            return InetAddress.getByName(bare).getAddress(); // a literal: parsed, no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + host, e);
        }
    }

    /** The ASCII reading, trailing NULs removed and non-printable bytes shown as '?'. */
    public static String asAscii(int refId) {
        StringBuilder text = new StringBuilder(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            int b = (refId >>> shift) & 0xFF;
            if (b == 0) {
                break;
            }
            text.append(b >= 0x20 && b < 0x7F ? (char) b : '?');
        }
        return text.toString();
    }

    /** The dotted-quad reading. */
    public static String asIpv4(int refId) {
        return ((refId >>> 24) & 0xFF) + "." + ((refId >>> 16) & 0xFF) + "." + ((refId >>> 8) & 0xFF) + "." + (refId & 0xFF);
    }

    /**
     * How people read a reference id for a server of this stratum: ASCII at stratum 0 and 1 when it
     * is ASCII, otherwise a dotted quad (chrony's local clock, for one, sends 127.127.1.1 at stratum 1).
     */
    public static String format(int stratum, int refId) {
        return stratum <= 1 && isAscii(refId) ? asAscii(refId) : asIpv4(refId);
    }

    /** Printable ASCII, left-justified, padded with NULs. */
    private static boolean isAscii(int refId) {
        boolean padding = false;
        for (int shift = 24; shift >= 0; shift -= 8) {
            int b = (refId >>> shift) & 0xFF;
            if (b == 0) {
                padding = true;
            } else if (padding || b < 0x20 || b >= 0x7F) {
                return false;
            }
        }
        return true;
    }
}
