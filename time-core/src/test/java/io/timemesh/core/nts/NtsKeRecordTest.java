package io.timemesh.core.nts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class NtsKeRecordTest {

    private static final NtsKeRecord END = new NtsKeRecord(true, NtsKeRecord.END_OF_MESSAGE, new byte[0]);

    private static List<NtsKeRecord> goodResponse() {
        return new ArrayList<>(List.of(NtsKeRecord.ofShorts(true, NtsKeRecord.NEXT_PROTOCOL, 0),
                NtsKeRecord.ofShorts(false, NtsKeRecord.AEAD_ALGORITHM, 15),
                new NtsKeRecord(false, NtsKeRecord.NEW_COOKIE, new byte[] {1, 2, 3, 4}),
                new NtsKeRecord(false, NtsKeRecord.NEW_COOKIE, new byte[] {5, 6, 7, 8}),
                new NtsKeRecord(false, NtsKeRecord.NTPV4_SERVER, "127.0.0.1".getBytes(StandardCharsets.US_ASCII)),
                NtsKeRecord.ofShorts(false, NtsKeRecord.NTPV4_PORT, 11123),
                END));
    }

    @Test
    void theClientRequestIsRfc8915sExampleOfNtpv4AndAesSiv() {
        assertThat(HexFormat.of().formatHex(NtsKeRecord.encode(NtsKeRecord.clientRequest())))
                .isEqualTo("80010002" + "0000" + "80040002" + "000f" + "80000000");
    }

    @Test
    void encodeAndDecodeRoundTrip() throws NtsException {
        List<NtsKeRecord> records = goodResponse();
        assertThat(NtsKeRecord.decodeMessage(NtsKeRecord.encode(records))).isEqualTo(records);
    }

    @Test
    void aGoodResponseGivesCookiesServerAndPort() throws NtsException {
        NtsKeResponse response = NtsKeResponse.of(goodResponse());
        assertThat(response.cookies()).hasSize(2);
        assertThat(response.server()).contains("127.0.0.1");
        assertThat(response.port()).hasValue(11123);
    }

    @Test
    void malformedMessagesAreRefusedWithTheirReason() {
        byte[] good = NtsKeRecord.encode(goodResponse());
        assertThatThrownBy(() -> NtsKeRecord.decodeMessage(java.util.Arrays.copyOf(good, good.length - 2)))
                .isInstanceOf(NtsException.class).hasMessageContaining("cut short");
        assertThatThrownBy(() -> NtsKeRecord.decodeMessage(new byte[] {(byte) 0x80, 5, 0, 40, 1}))
                .hasMessageContaining("New Cookie record of 40 bytes cut short");
        assertThatThrownBy(() -> NtsKeRecord.decodeMessage(NtsKeRecord.encode(goodResponse().subList(0, 3))))
                .hasMessageContaining("does not end with End of Message");
        byte[] trailing = java.util.Arrays.copyOf(good, good.length + 4);
        assertThatThrownBy(() -> NtsKeRecord.decodeMessage(trailing)).hasMessageContaining("4 bytes after");
        assertThatThrownBy(() -> NtsKeRecord.decodeMessage(new byte[0])).hasMessageContaining("End of Message");
    }

    @Test
    void refusalsAndMismatchesAreNamed() {
        assertThatThrownBy(() -> NtsKeResponse.of(List.of(NtsKeRecord.ofShorts(true, NtsKeRecord.ERROR, 1), END)))
                .hasMessage("NTS-KE server refused: error 1 (Bad Request)");
        assertThat(replace(1, NtsKeRecord.ofShorts(true, NtsKeRecord.AEAD_ALGORITHM, 30)))
                .contains("chose AEAD algorithm [30]");
        assertThat(replace(1, NtsKeRecord.ofShorts(true, NtsKeRecord.AEAD_ALGORITHM)))
                .contains("supports no AEAD algorithm");
        assertThat(replace(0, NtsKeRecord.ofShorts(true, NtsKeRecord.NEXT_PROTOCOL)))
                .contains("supports no protocol");
        assertThat(failure(withExtra(new NtsKeRecord(true, 0x1234, new byte[0]))))
                .contains("unrecognised critical record, type 4660");
        assertThat(failure(withExtra(NtsKeRecord.ofShorts(true, NtsKeRecord.AEAD_ALGORITHM, 15))))
                .contains("repeats the AEAD Algorithm Negotiation record");
        assertThat(replace(5, NtsKeRecord.ofShorts(false, NtsKeRecord.NTPV4_PORT, 0)))
                .contains("one port 1..65535");
        assertThat(replace(5, new NtsKeRecord(false, NtsKeRecord.NTPV4_PORT, new byte[] {1})))
                .contains("odd body length");
        assertThat(replace(4, new NtsKeRecord(false, NtsKeRecord.NTPV4_SERVER, new byte[] {'a', 0})))
                .contains("not a printable ASCII name");
        List<NtsKeRecord> noCookie = goodResponse();
        noCookie.removeIf(r -> r.type() == NtsKeRecord.NEW_COOKIE);
        assertThat(failure(noCookie)).contains("holds no cookie");
    }

    @Test
    void unknownNonCriticalRecordsAndWarningsAreTolerated() throws NtsException {
        List<NtsKeRecord> records = withExtra(new NtsKeRecord(false, 0x4321, new byte[] {9}));
        records.add(0, NtsKeRecord.ofShorts(false, NtsKeRecord.WARNING, 7));
        assertThat(NtsKeResponse.of(records).warnings()).containsExactly(7);
    }

    private static List<NtsKeRecord> withExtra(NtsKeRecord extra) {
        List<NtsKeRecord> records = goodResponse();
        records.add(records.size() - 1, extra);
        return records;
    }

    private static String replace(int index, NtsKeRecord record) {
        List<NtsKeRecord> records = goodResponse();
        records.set(index, record);
        return failure(records);
    }

    private static String failure(List<NtsKeRecord> records) {
        try {
            NtsKeResponse.of(records);
            return "accepted";
        } catch (NtsException e) {
            return e.getMessage();
        }
    }
}
