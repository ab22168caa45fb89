package io.timemesh.core.ntp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Whatever arrives on the socket, the decoder answers with a result and never throws. A fuzz suite: its tries
 * come from jqwik.tries.default (src/test/resources/junit-platform.properties, raised by bench/fuzz.sh).
 */
class NtpDecoderProperties {

    @Property
    void randomBytesNeverThrow(@ForAll @Size(max = 200) byte[] data) {
        assertThat(NtpPacketCodec.decode(data)).isNotNull();
    }

    @Property
    void everyTruncationOfAValidPacketIsAnAnswer(@ForAll("validPackets") byte[] packet,
                                                  @ForAll @IntRange(min = 0, max = 48) int keep) {
        DecodeResult result = NtpPacketCodec.decode(Arrays.copyOf(packet, keep));
        if (keep < 48) {
            assertThat(result).isInstanceOf(DecodeResult.Malformed.class);
        } else {
            assertThat(result).isInstanceOf(DecodeResult.Decoded.class);
        }
    }

    @Property
    void arbitraryTailsAfterAValidHeaderNeverThrow(@ForAll("validPackets") byte[] packet,
                                                    @ForAll @Size(max = 120) byte[] tail) {
        byte[] data = Arrays.copyOf(packet, packet.length + tail.length);
        System.arraycopy(tail, 0, data, packet.length, tail.length);
        assertThat(NtpPacketCodec.decode(data)).isNotNull();
    }

    @Property
    void anyDecodedPacketReencodesToItsHeader(@ForAll @Size(min = 48, max = 48) byte[] data) {
        if (NtpPacketCodec.decode(data) instanceof DecodeResult.Decoded decoded) {
            assertThat(NtpPacketCodec.encode(decoded.packet())).isEqualTo(data);
        }
    }

    @Provide
    Arbitrary<byte[]> validPackets() {
        return Arbitraries.bytes().array(byte[].class).ofSize(48).map(bytes -> {
            bytes[0] = (byte) ((bytes[0] & 0b11_000_000) | (4 << 3) | 4); // version 4, server mode
            return bytes;
        });
    }
}
