package io.timemesh.core.nts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The server's NTS-KE answers, read back by our client's checks (RFC 8915 §4.1). */
class NtsKeAnswerTest {
    private static final NtsKeRecord END = new NtsKeRecord(true, NtsKeRecord.END_OF_MESSAGE, new byte[0]);

    @Test
    void ourClientsRequestGetsEightCookiesAndThePort() throws NtsException {
        NtsKeResponse response = NtsKeResponse.of(NtsKeAnswer.answer(NtsKeRecord.clientRequest(), () -> new byte[100], null, 11123));
        assertThat(response.cookies()).hasSize(8);
        assertThat(response.port()).hasValue(11123);
        assertThat(response.server()).isEmpty();
        assertThat(NtsKeResponse.of(NtsKeAnswer.answer(NtsKeRecord.clientRequest(), () -> new byte[100], "127.0.0.2", 123))
                .server()).contains("127.0.0.2");
        assertThat(NtsKeResponse.of(NtsKeAnswer.answer(NtsKeRecord.clientRequest(), () -> new byte[100], null, 123)).port())
                .isEmpty();
    }

    @Test
    void whatWeCannotServeIsSaid() {
        List<NtsKeRecord> otherAead = List.of(NtsKeRecord.ofShorts(true, NtsKeRecord.NEXT_PROTOCOL, 0),
                NtsKeRecord.ofShorts(true, NtsKeRecord.AEAD_ALGORITHM, 30), END);
        assertThatThrownBy(() -> NtsKeResponse.of(NtsKeAnswer.answer(otherAead, () -> new byte[100], null, 123)))
                .hasMessageContaining("supports no AEAD algorithm");
        List<NtsKeRecord> unknownCritical = List.of(NtsKeRecord.ofShorts(true, NtsKeRecord.NEXT_PROTOCOL, 0),
                NtsKeRecord.ofShorts(true, NtsKeRecord.AEAD_ALGORITHM, 15), new NtsKeRecord(true, 999, new byte[0]), END);
        assertThatThrownBy(() -> NtsKeResponse.of(NtsKeAnswer.answer(unknownCritical, () -> new byte[100], null, 123)))
                .hasMessageContaining("error 0 (Unrecognized Critical Record)");
        List<NtsKeRecord> noAead = List.of(NtsKeRecord.ofShorts(true, NtsKeRecord.NEXT_PROTOCOL, 0), END);
        assertThatThrownBy(() -> NtsKeResponse.of(NtsKeAnswer.answer(noAead, () -> new byte[100], null, 123)))
                .hasMessageContaining("error 1 (Bad Request)");
    }
}
