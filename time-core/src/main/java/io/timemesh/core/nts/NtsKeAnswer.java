package io.timemesh.core.nts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The server's answer to an NTS-KE request (RFC 8915 §4.1), free of I/O: NTPv4 and AEAD_AES_SIV_CMAC_256
 * when the client offers them, eight cookies, the NTP server when it is another host (as chrony's
 * {@code ntsntpserver}) and the NTP port when it is not 123; an Error record for a
 * request it cannot take (0: an unrecognised critical record, 1: a bad request).
 */
public final class NtsKeAnswer {
    private NtsKeAnswer() {}

    /** The NTP port clients assume when no NTPv4 Port Negotiation record says otherwise. */
    public static final int DEFAULT_NTP_PORT = 123;

    /**
     * @param request the client's records, as {@link NtsKeRecord#decodeMessage} read them
     * @param cookie    a fresh cookie for the session's keys at each call
     * @param ntpServer the host clients are to send NTP to, or null for this one
     * @param ntpPort   where our NTP server listens
     * @return the response's records, ending with End of Message
     */
    public static List<NtsKeRecord> answer(List<NtsKeRecord> request, Supplier<byte[]> cookie, String ntpServer,
                                           int ntpPort) {
        int[] protocols = null;
        int[] algorithms = null;
        try {
            for (NtsKeRecord record : request) {
                switch (record.type()) {
                    case NtsKeRecord.END_OF_MESSAGE, NtsKeRecord.WARNING, NtsKeRecord.NTPV4_SERVER, NtsKeRecord.NTPV4_PORT -> { }
                    case NtsKeRecord.NEXT_PROTOCOL -> {
                        if (protocols != null) {
                            return error(1);
                        }
                        protocols = record.shorts();
                    }
                    case NtsKeRecord.AEAD_ALGORITHM -> {
                        if (algorithms != null) {
                            return error(1);
                        }
                        algorithms = record.shorts();
                    }
                    case NtsKeRecord.ERROR, NtsKeRecord.NEW_COOKIE -> {
                        return error(1); // a client sends neither
                    }
                    default -> {
                        if (record.critical()) {
                            return error(0);
                        }
                    }
                }
            }
        } catch (NtsException oddLength) {
            return error(1);
        }
        if (protocols == null || algorithms == null) {
            return error(1);
        }
        List<NtsKeRecord> response = new ArrayList<>();
        boolean ntpv4 = Arrays.stream(protocols).anyMatch(p -> p == NtsKeRecord.PROTOCOL_NTPV4);
        boolean sivCmac = Arrays.stream(algorithms).anyMatch(a -> a == AesSivCmac256.IANA_ID);
        // RFC 8915 §4.1.2 and §4.1.5: an empty choice says we support none of what was offered.
        response.add(ntpv4 ? NtsKeRecord.ofShorts(true, NtsKeRecord.NEXT_PROTOCOL, NtsKeRecord.PROTOCOL_NTPV4)
                : NtsKeRecord.ofShorts(true, NtsKeRecord.NEXT_PROTOCOL));
        if (ntpv4) {
            response.add(sivCmac ? NtsKeRecord.ofShorts(true, NtsKeRecord.AEAD_ALGORITHM, AesSivCmac256.IANA_ID)
                    : NtsKeRecord.ofShorts(true, NtsKeRecord.AEAD_ALGORITHM));
            if (sivCmac) {
                for (int i = 0; i < NtsClientSession.MAX_COOKIES; i++) {
                    response.add(new NtsKeRecord(false, NtsKeRecord.NEW_COOKIE, cookie.get()));
                }
                if (ntpServer != null) {
                    response.add(new NtsKeRecord(true, NtsKeRecord.NTPV4_SERVER,
                            ntpServer.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                }
                if (ntpPort != DEFAULT_NTP_PORT) {
                    response.add(NtsKeRecord.ofShorts(true, NtsKeRecord.NTPV4_PORT, ntpPort));
                }
            }
        }
        response.add(new NtsKeRecord(true, NtsKeRecord.END_OF_MESSAGE, new byte[0]));
        return response;
    }

    private static List<NtsKeRecord> error(int code) {
        return List.of(NtsKeRecord.ofShorts(true, NtsKeRecord.ERROR, code),
                new NtsKeRecord(true, NtsKeRecord.END_OF_MESSAGE, new byte[0]));
    }
}
