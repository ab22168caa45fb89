package io.timemesh.testkit;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/2 frames (RFC 9113) as raw bytes, for an attacker no HTTP/2 client library would play: the
 * hardened-listener tests and the abuse benchmark send the same ones.
 */
public final class Http2Frames {
    /** Frame types (RFC 9113 §6). */
    public static final int HEADERS = 0x1;
    public static final int RST_STREAM = 0x3;
    public static final int SETTINGS = 0x4;
    public static final int GOAWAY = 0x7;
    /** Error codes (RFC 9113 §7). */
    public static final int PROTOCOL_ERROR = 0x1;
    public static final int CANCEL = 0x8;
    public static final int REFUSED_STREAM = 0x7;
    public static final int ENHANCE_YOUR_CALM = 0xb;
    private static final int ACK = 0x1;
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

    /** SETTINGS with ACK: the client accepts the server's settings (its stream limit among them). */
    public static byte[] settingsAck() {
        return frame(SETTINGS, ACK, 0, new byte[0]);
    }

    /** RST_STREAM: the client cancels the stream with the given error code. */
    public static byte[] rstStream(int streamId, int errorCode) {
        return frame(RST_STREAM, 0, streamId, new byte[] {(byte) (errorCode >>> 24), (byte) (errorCode >>> 16),
                (byte) (errorCode >>> 8), (byte) errorCode});
    }

    /**
     * One frame as read off the wire; {@link #errorCode()} reads the code of a RST_STREAM or GOAWAY.
     *
     * @param type     the frame type, e.g. {@link #HEADERS}
     * @param streamId its stream, 0 for the connection
     */
    public record Frame(int type, int flags, int streamId, byte[] payload) {
        /** The error code of a RST_STREAM (its payload) or GOAWAY (after the last stream id), else -1. */
        public int errorCode() {
            int at = type == RST_STREAM ? 0 : type == GOAWAY ? 4 : -1;
            return at < 0 || payload.length < at + 4 ? -1 : ByteBuffer.wrap(payload, at, 4).getInt();
        }
    }

    /**
     * Reads the next frame.
     *
     * @return the frame, or null at the end of the stream
     * @throws IOException as the stream throws it (a read timeout among them)
     */
    public static Frame read(DataInputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        int length = first << 16 | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int streamId = in.readInt() & 0x7fff_ffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(type, flags, streamId, payload);
    }

    /** HEADERS ending the stream: GET path, HPACK from the static table and literals without indexing. */
    public static byte[] get(int streamId, String path) {
        return get(streamId, path, null, null);
    }

    /** As {@link #get(int, String)}, with one more header (a literal name and value, any length) when name is given. */
    public static byte[] get(int streamId, String path, String name, String value) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(0x82); // :method GET
        block.write(0x86); // :scheme http
        block.write(0x04); // :path, a literal value follows
        string(block, path);
        block.write(0x01); // :authority
        string(block, "127.0.0.1");
        if (name != null) {
            block.write(0x00); // literal name and value, not indexed
            string(block, name);
            string(block, value);
        }
        return frame(HEADERS, END_STREAM | END_HEADERS, streamId, block.toByteArray());
    }

    /** An HPACK string literal without Huffman coding: its length as a 7-bit-prefix integer (RFC 7541 §5.1). */
    private static void string(ByteArrayOutputStream block, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        int length = bytes.length;
        if (length < 127) {
            block.write(length);
        } else {
            block.write(127);
            for (length -= 127; length >= 128; length >>>= 7) {
                block.write(length & 0x7f | 0x80);
            }
            block.write(length);
        }
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
