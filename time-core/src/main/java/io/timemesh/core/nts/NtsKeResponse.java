package io.timemesh.core.nts;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What an NTS-KE server told us (RFC 8915 §4.1), checked: NTPv4 and AEAD_AES_SIV_CMAC_256 agreed, at
 * least one cookie, and optionally the NTP server and port to use instead of the KE server's address and
 * the configured port.
 *
 * @param cookies  the cookies in the order sent, each opaque to us
 * @param server   the NTPv4 Server Negotiation record: a host name or address, if sent
 * @param port     the NTPv4 Port Negotiation record, if sent
 * @param warnings Warning record codes, which do not fail the exchange
 */
public record NtsKeResponse(List<byte[]> cookies, Optional<String> server, OptionalInt port, List<Integer> warnings) {

    public NtsKeResponse {
        cookies = List.copyOf(cookies);
        warnings = List.copyOf(warnings);
    }

    /**
     * Checks a server's records as RFC 8915 §4.1 asks of a client.
     *
     * @throws NtsException with the reason: an Error record (with its code's meaning), a protocol or AEAD
     *         other than ours or none, a repeated or malformed negotiation record, an unrecognised critical
     *         record, no cookie
     */
    public static NtsKeResponse of(List<NtsKeRecord> records) throws NtsException {
        List<byte[]> cookies = new ArrayList<>();
        List<Integer> warnings = new ArrayList<>();
        boolean protocolAgreed = false;
        boolean aeadAgreed = false;
        String server = null;
        Integer port = null;
        for (NtsKeRecord record : records) {
            switch (record.type()) {
                case NtsKeRecord.END_OF_MESSAGE -> {
                    if (record.body().length != 0) {
                        throw new NtsException("NTS-KE End of Message has a body of " + record.body().length + " bytes");
                    }
                }
                case NtsKeRecord.ERROR -> {
                    int[] codes = record.shorts();
                    if (codes.length != 1) {
                        throw new NtsException("NTS-KE Error record must hold one code, held " + codes.length);
                    }
                    throw new NtsException("NTS-KE server refused: error " + codes[0] + " (" + errorMeaning(codes[0]) + ")");
                }
                case NtsKeRecord.WARNING -> {
                    for (int code : record.shorts()) {
                        warnings.add(code);
                    }
                }
                case NtsKeRecord.NEXT_PROTOCOL -> {
                    protocolAgreed = once(protocolAgreed, record);
                    agreeOn(record, NtsKeRecord.PROTOCOL_NTPV4, "protocol", "NTPv4 (0)");
                }
                case NtsKeRecord.AEAD_ALGORITHM -> {
                    aeadAgreed = once(aeadAgreed, record);
                    agreeOn(record, AesSivCmac256.IANA_ID, "AEAD algorithm", "AEAD_AES_SIV_CMAC_256 (15)");
                }
                case NtsKeRecord.NEW_COOKIE -> {
                    if (record.body().length == 0) {
                        throw new NtsException("NTS-KE New Cookie record is empty");
                    }
                    cookies.add(record.body());
                }
                case NtsKeRecord.NTPV4_SERVER -> {
                    once(server != null, record);
                    server = serverName(record.body());
                }
                case NtsKeRecord.NTPV4_PORT -> {
                    once(port != null, record);
                    int[] values = record.shorts();
                    if (values.length != 1 || values[0] == 0) {
                        throw new NtsException("NTS-KE NTPv4 Port record must hold one port 1..65535");
                    }
                    port = values[0];
                }
                default -> {
                    if (record.critical()) {
                        throw new NtsException("NTS-KE server sent an unrecognised critical record, type " + record.type());
                    }
                }
            }
        }
        if (!protocolAgreed) {
            throw new NtsException("NTS-KE response has no Next Protocol Negotiation record");
        }
        if (!aeadAgreed) {
            throw new NtsException("NTS-KE response has no AEAD Algorithm Negotiation record");
        }
        if (cookies.isEmpty()) {
            throw new NtsException("NTS-KE response holds no cookie");
        }
        return new NtsKeResponse(cookies, Optional.ofNullable(server),
                port == null ? OptionalInt.empty() : OptionalInt.of(port), warnings);
    }

    /** @return true; throws when the record type was already seen (RFC 8915 allows each once) */
    private static boolean once(boolean seen, NtsKeRecord record) throws NtsException {
        if (seen) {
            throw new NtsException("NTS-KE response repeats the " + NtsKeRecord.name(record.type()) + " record");
        }
        return true;
    }

    private static void agreeOn(NtsKeRecord record, int ours, String what, String oursName) throws NtsException {
        int[] chosen = record.shorts();
        if (chosen.length == 0) {
            throw new NtsException("NTS-KE server supports no " + what + " we offered (" + oursName + ")");
        }
        if (chosen.length != 1 || chosen[0] != ours) {
            throw new NtsException("NTS-KE server chose " + what + " " + java.util.Arrays.toString(chosen)
                    + ", we offered only " + oursName);
        }
    }

    private static String serverName(byte[] body) throws NtsException {
        for (byte b : body) {
            if (b <= 0x20 || b >= 0x7F) {
                throw new NtsException("NTS-KE NTPv4 Server record is not a printable ASCII name");
            }
        }
        if (body.length == 0) {
            throw new NtsException("NTS-KE NTPv4 Server record is empty");
        }
        return new String(body, StandardCharsets.US_ASCII);
    }

    /** RFC 8915 §7.5's error codes. */
    static String errorMeaning(int code) {
        return switch (code) {
            case 0 -> "Unrecognized Critical Record";
            case 1 -> "Bad Request";
            case 2 -> "Internal Server Error";
            default -> "unassigned";
        };
    }
}
