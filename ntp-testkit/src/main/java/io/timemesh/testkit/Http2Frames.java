package io.timemesh.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/2 frames (RFC 9113) as raw bytes, for an attacker no HTTP/2 client library would play: the
 * hardened-listener tests and the abuse benchmark send the same ones.
 */
public final class Http2Frames {
    private static final int HEADERS = 0x1;
    private static final int SETTINGS = 0x4;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;

    private Http2Frames() {
    }

    /** The client connection preface (prior-knowledge h2c). */
    public static byte[] preface() {
        return "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    }

    /** SETTINGS with SETTINGS_INITIAL_WINDOW_SIZE = 0: the server may send no DATA until a WINDOW_UPDATE. */
    public static byte[] settingsInitialWindowZero() {
        return frame(SETTINGS, 0, 0, new byte[] {0, SETTINGS_INITIAL_WINDOW_SIZE, 0, 0, 0, 0});
    }

    /** HEADERS ending the stream: GET path, HPACK from the static table and literals without indexing. */
    public static byte[] get(int streamId, String path) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(0x82); // :method GET
        block.write(0x86); // :scheme http
        literal(block, 0x04, path); // :path
        literal(block, 0x01, "127.0.0.1"); // :authority
        return frame(HEADERS, END_STREAM | END_HEADERS, streamId, block.toByteArray());
    }

    private static void literal(ByteArrayOutputStream block, int nameIndex, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        block.write(nameIndex);
        block.write(bytes.length); // under 127: one byte, no Huffman
        block.writeBytes(bytes);
    }

    private static byte[] frame(int type, int flags, int streamId, byte[] payload) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(payload.length >>> 16);
        frame.write(payload.length >>> 8);
        frame.write(payload.length);
        frame.write(type);
        frame.write(flags);
        frame.write(streamId >>> 24);
        frame.write(streamId >>> 16);
        frame.write(streamId >>> 8);
        frame.write(streamId);
        frame.writeBytes(payload);
        return frame.toByteArray();
    }
}
