package io.timemesh.core.ntp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NtpPacketCodecTest {

    static NtpPacket serverReply() {
        return new NtpPacket(LeapIndicator.LAST_MINUTE_61, 4, NtpMode.SERVER, 2, 6, -23,
                NtpShort.fromSeconds(0.0125), NtpShort.fromSeconds(0.03), 0xC0A80001,
                0xEC5F_1234_0000_0001L, 0xEC5F_1235_8000_0000L, 0xEC5F_1235_8001_0000L, 0xFFFF_FFFF_FFFF_FFFFL);
    }

    private static NtpPacket decoded(byte[] bytes) {
        DecodeResult result = NtpPacketCodec.decode(bytes);
        assertThat(result).isInstanceOf(DecodeResult.Decoded.class);
        return ((DecodeResult.Decoded) result).packet();
    }

    private static DecodeResult.Malformed malformed(byte[] bytes) {
        DecodeResult result = NtpPacketCodec.decode(bytes);
        assertThat(result).isInstanceOf(DecodeResult.Malformed.class);
        return (DecodeResult.Malformed) result;
    }

    @Test
    void encodeThenDecodeGivesTheSamePacket() {
        NtpPacket packet = serverReply();
        byte[] bytes = NtpPacketCodec.encode(packet);
        assertThat(bytes).hasSize(48);
        assertThat(decoded(bytes)).isEqualTo(packet);
        assertThat(NtpPacketCodec.encode(decoded(bytes))).isEqualTo(bytes);
    }

    @Test
    void headerBitsAreWhereRfc5905PutsThem() {
        byte[] bytes = NtpPacketCodec.encode(NtpPacket.clientRequest(0x0102_0304_0506_0708L, 6, -20));
        assertThat(bytes[0] & 0xFF).isEqualTo(0b00_100_011); // LI 0, VN 4, mode 3
        assertThat(bytes[2]).isEqualTo((byte) 6);
        assertThat(bytes[3]).isEqualTo((byte) -20);
        assertThat(Arrays.copyOfRange(bytes, 40, 48)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        byte[] reply = NtpPacketCodec.encode(serverReply());
        assertThat(reply[0] & 0xFF).isEqualTo(0b01_100_100); // LI 1, VN 4, mode 4
        assertThat(Arrays.copyOfRange(reply, 4, 8)).containsExactly(0, 0, 0x03, 0x34); // 0.0125 s, rounded up
    }

    @Test
    void signedPollAndPrecisionSurvive() {
        NtpPacket packet = new NtpPacket(LeapIndicator.NO_WARNING, 3, NtpMode.SERVER, 1, -128, 127,
                0xFFFF_FFFFL, 0, 0, 0, 0, 0, 0);
        assertThat(decoded(NtpPacketCodec.encode(packet))).isEqualTo(packet);
    }

    @Test
    void shortDatagramIsMalformedWithItsLength() {
        DecodeResult.Malformed result = malformed(new byte[47]);
        assertThat(result.reason()).isEqualTo(MalformedReason.TOO_SHORT);
        assertThat(result.message()).contains("47 bytes");
        assertThat(malformed(new byte[0]).reason()).isEqualTo(MalformedReason.TOO_SHORT);
        assertThat(malformed(null).reason()).isEqualTo(MalformedReason.TOO_SHORT);
    }

    @Test
    void versionZeroAndFiveAreRefused() {
        byte[] bytes = NtpPacketCodec.encode(serverReply());
        bytes[0] = (byte) (0b00_000_100);
        assertThat(malformed(bytes).reason()).isEqualTo(MalformedReason.UNSUPPORTED_VERSION);
        bytes[0] = (byte) (0b00_101_100);
        assertThat(malformed(bytes).reason()).isEqualTo(MalformedReason.UNSUPPORTED_VERSION);
    }

    @Test
    void controlAndPrivateModesAreNotReadAsHeaders() {
        byte[] bytes = NtpPacketCodec.encode(serverReply());
        bytes[0] = (byte) 0b00_100_110;
        assertThat(malformed(bytes).reason()).isEqualTo(MalformedReason.UNSUPPORTED_MODE);
        bytes[0] = (byte) 0b00_100_111;
        assertThat(malformed(bytes).reason()).isEqualTo(MalformedReason.UNSUPPORTED_MODE);
    }

    @Test
    void extensionFieldsAndMacAreTolerated() {
        byte[] header = NtpPacketCodec.encode(serverReply());
        // Two extension fields (type 0x0104 NTS unique identifier, 36 bytes; type 0x0204, 16 bytes) and a SHA-1 MAC.
        byte[] withFields = new byte[48 + 36 + 16 + 24];
        System.arraycopy(header, 0, withFields, 0, 48);
        withFields[48] = 0x01;
        withFields[49] = 0x04;
        withFields[51] = 36;
        withFields[84] = 0x02;
        withFields[85] = 0x04;
        withFields[87] = 16;
        Arrays.fill(withFields, 100, withFields.length, (byte) 0x5A);
        DecodeResult result = NtpPacketCodec.decode(withFields);
        assertThat(result).isInstanceOf(DecodeResult.Decoded.class);
        DecodeResult.Decoded decoded = (DecodeResult.Decoded) result;
        assertThat(decoded.packet()).isEqualTo(serverReply());
        assertThat(decoded.extensionFields()).isEqualTo(2);
        assertThat(decoded.hasMac()).isTrue();
    }

    @Test
    void md5MacAloneIsTolerated() {
        byte[] withMac = Arrays.copyOf(NtpPacketCodec.encode(serverReply()), 48 + 20);
        withMac[51] = 1; // key id 1
        DecodeResult.Decoded decoded = (DecodeResult.Decoded) NtpPacketCodec.decode(withMac);
        assertThat(decoded.hasMac()).isTrue();
        assertThat(decoded.extensionFields()).isZero();
    }

    @Test
    void trailingBytesThatAreNeitherFieldNorMacAreMalformed() {
        byte[] odd = Arrays.copyOf(NtpPacketCodec.encode(serverReply()), 48 + 3);
        assertThat(malformed(odd).reason()).isEqualTo(MalformedReason.BAD_EXTENSION);
        byte[] badLength = Arrays.copyOf(NtpPacketCodec.encode(serverReply()), 48 + 128);
        badLength[50] = 0x7F; // a field claiming 32 KiB
        assertThat(malformed(badLength).reason()).isEqualTo(MalformedReason.BAD_EXTENSION);
    }

    @Test
    void decodesFromTheMiddleOfABuffer() {
        byte[] packet = NtpPacketCodec.encode(serverReply());
        byte[] buffer = new byte[100];
        System.arraycopy(packet, 0, buffer, 10, 48);
        DecodeResult result = NtpPacketCodec.decode(buffer, 10, 48);
        assertThat(((DecodeResult.Decoded) result).packet()).isEqualTo(serverReply());
        assertThat(NtpPacketCodec.decode(buffer, 90, 48)).isInstanceOf(DecodeResult.Malformed.class);
        assertThat(NtpPacketCodec.decode(buffer, -1, 48)).isInstanceOf(DecodeResult.Malformed.class);
    }

    @Test
    void kissCodeIsReadFromTheReferenceId() {
        NtpPacket kiss = new NtpPacket(LeapIndicator.ALARM, 4, NtpMode.SERVER, 0, 0, 0, 0, 0,
                ReferenceId.ofAscii("RATE"), 0, 0, 0, 0);
        NtpPacket back = decoded(NtpPacketCodec.encode(kiss));
        assertThat(back.isKissOfDeath()).isTrue();
        assertThat(back.kissCode()).isEqualTo("RATE");
    }
}
