package io.timemesh.core.ntp;

/** What the decoder made of a datagram: a packet, or the typed reason it is not one. Never an exception. */
public sealed interface DecodeResult {

    record Decoded(NtpPacket packet, int extensionFields, boolean hasMac) implements DecodeResult {}

    record Malformed(MalformedReason reason, String detail) implements DecodeResult {
        public String message() {
            return reason.description() + " (" + detail + ")";
        }
    }
}
