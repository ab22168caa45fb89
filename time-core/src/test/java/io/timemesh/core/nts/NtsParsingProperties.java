package io.timemesh.core.nts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Whatever an NTS-KE server, an NTP server or an NTS client sends, parsing ends in a result or an
 * {@link NtsException} with a reason, never another exception. A fuzz suite, as {@code NtpDecoderProperties}.
 */
class NtsParsingProperties {
    private static final NtsKeys KEYS = new NtsKeys(new byte[32], filled(9));
    private static final NtsServerKeys SERVER = new NtsServerKeys(new Random(5), Long.MAX_VALUE, 0);

    private static byte[] filled(int value) {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static byte[] goodResponse() {
        return NtsKeRecord.encode(List.of(NtsKeRecord.ofShorts(true, NtsKeRecord.NEXT_PROTOCOL, 0),
                NtsKeRecord.ofShorts(true, NtsKeRecord.AEAD_ALGORITHM, 15),
                new NtsKeRecord(false, NtsKeRecord.NEW_COOKIE, new byte[40]),
                NtsKeRecord.ofShorts(false, NtsKeRecord.NTPV4_PORT, 123),
                new NtsKeRecord(true, NtsKeRecord.END_OF_MESSAGE, new byte[0])));
    }

    /** Parses a KE message as the client does: NtsException or a response, nothing else. */
    private static void parseKe(byte[] message) {
        try {
            assertThat(NtsKeResponse.of(NtsKeRecord.decodeMessage(message)).cookies()).isNotEmpty();
        } catch (NtsException e) {
            assertThat(e.getMessage()).startsWith("NTS-KE");
        }
    }

    @Property
    void randomKeMessagesGiveAResponseOrAReason(@ForAll @Size(max = 300) byte[] message) {
        parseKe(message);
    }

    @Property
    void everyMutationOfAGoodKeResponseGivesAResponseOrAReason(@ForAll @IntRange(min = 0, max = 67) int at,
                                                                @ForAll byte value, @ForAll @IntRange(max = 67) int keep) {
        byte[] message = goodResponse();
        message[at % message.length] = value;
        parseKe(message);
        parseKe(Arrays.copyOf(message, keep));
    }

    /** Opens a reply as the client does: NtsException or a verdict, nothing else. */
    private static void openReply(byte[] data) {
        NtsClientSession session = new NtsClientSession(KEYS, new NtsKeResponse(List.of(new byte[40], new byte[40]),
                Optional.empty(), OptionalInt.empty(), List.of()), "127.0.0.1", 123, 0);
        session.seal(new byte[48], new Random(1));
        try {
            assertThat(session.open(data, data.length)).isNotNull();
        } catch (NtsException e) {
            assertThat(e.getMessage()).startsWith("NTS:");
        }
    }

    @Property
    void randomExtensionFieldsGiveAVerdictOrAReason(@ForAll @Size(min = 48, max = 48) byte[] header,
                                                    @ForAll @Size(max = 200) byte[] tail) {
        byte[] data = Arrays.copyOf(header, header.length + tail.length);
        System.arraycopy(tail, 0, data, header.length, tail.length);
        openReply(data);
    }

    @Property
    void anyRequestIsReadByTheServerWithoutAnException(@ForAll @Size(min = 48, max = 48) byte[] header,
                                                      @ForAll @Size(max = 300) byte[] tail) {
        byte[] data = Arrays.copyOf(header, header.length + tail.length);
        System.arraycopy(tail, 0, data, header.length, tail.length);
        assertThat(NtsServerExchange.read(data, data.length, SERVER)).isNotNull();
    }

    @Property
    void mutatedRequestsAreReadByTheServerWithoutAnException(@ForAll @IntRange(min = 0, max = 400) int at,
                                                            @ForAll byte value, @ForAll @IntRange(max = 400) int keep) {
        NtsClientSession session = new NtsClientSession(KEYS, new NtsKeResponse(List.of(SERVER.cookie(KEYS)),
                Optional.empty(), OptionalInt.empty(), List.of()), "127.0.0.1", 123, 0);
        byte[] request = session.seal(new byte[48], new Random(at));
        request[at % request.length] = value;
        int length = Math.min(keep, request.length);
        if (length >= 48) {
            assertThat(NtsServerExchange.read(request, length, SERVER)).isNotNull();
        }
    }

    @Property
    void mutatedSealedRepliesGiveAVerdictOrAReason(@ForAll @IntRange(min = 0, max = 200) int at, @ForAll byte value,
                                                   @ForAll @IntRange(max = 200) int keep) {
        byte[] fields = NtsExtensionFields.field(NtsExtensionFields.COOKIE, new byte[40]);
        byte[] packet = Arrays.copyOf(new byte[48], 48 + 36);
        System.arraycopy(NtsExtensionFields.field(NtsExtensionFields.UNIQUE_IDENTIFIER, new byte[32]), 0, packet, 48, 36);
        byte[] sealed = NtsExtensionFields.seal(packet, KEYS.s2c(), new byte[16], fields);
        sealed[at % sealed.length] = value;
        openReply(sealed);
        openReply(Arrays.copyOf(sealed, Math.min(keep, sealed.length)));
    }
}
