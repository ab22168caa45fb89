package io.timemesh.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One request over a plain loopback socket, so that bytes no HTTP client library would send can be sent. */
final class RawHttpExchange {

    /** A server that neither answers nor closes the connection within this long is hanging. */
    static final int ANSWER_LIMIT_MILLIS = 5_000;

    /**
     * HTTP/1.1, or HTTP/1.0 for what Netty cannot parse; never a version the client made up (Vert.x alone echoes it:
     * "FOO/1.1 501 Not Implemented").
     */
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3}) [^\r\n]*");
    private static final Pattern CONTENT_TYPE = Pattern.compile("(?im)^content-type:[ \t]*([^\r\n]*)");
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:[ \t]*([0-9]{1,9})[ \t]*$");

    /**
     * What came back: a response, or status 0 when the server closed the connection without one; its body as its
     * Content-Length frames it, and whatever followed it (a pipelined request's answer) as {@code following}.
     */
    record Answer(int status, String head, String body, String following) {
        static final Answer CLOSED = new Answer(0, "", "", "");

        boolean closedUnanswered() {
            return status == 0;
        }

        String contentType() {
            Matcher m = CONTENT_TYPE.matcher(head);
            return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : "";
        }
    }

    private RawHttpExchange() {
    }

    /** A well-formed HTTP/1.1 request for the target as given, escapes unchecked, asking the server to close. */
    static Answer send(int port, String method, String target) throws IOException {
        String request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        return send(port, request.getBytes(StandardCharsets.US_ASCII), false);
    }

    /**
     * Sends the bytes and reads until the server closes the connection.
     *
     * @param halfClose shut our sending side after the request, so that a server still waiting for the rest of
     *                  an incomplete request learns there is none
     * @throws AssertionError when nothing ends the exchange within {@link #ANSWER_LIMIT_MILLIS}: a hang
     */
    static Answer send(int port, byte[] request, boolean halfClose) throws IOException {
        return send(port, request, request.length, halfClose);
    }

    /**
     * {@link #send(int, byte[], boolean)}, the request's first {@code splitAt} bytes written first and the rest 10 ms
     * later (without Nagle's delay), so that the server reads them apart.
     */
    static Answer send(int port, byte[] request, int splitAt, boolean halfClose) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(ANSWER_LIMIT_MILLIS);
            socket.setTcpNoDelay(true);
            try {
                int first = Math.min(splitAt, request.length);
                socket.getOutputStream().write(request, 0, first);
                if (first < request.length) {
                    Thread.sleep(10);
                    socket.getOutputStream().write(request, first, request.length - first);
                }
                if (halfClose) {
                    socket.shutdownOutput();
                }
            } catch (SocketException refusedMidway) {
                // The server may answer and close before it has read all of a request it refuses.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            return parse(readUntilClosed(socket.getInputStream()));
        }
    }

    private static byte[] readUntilClosed(InputStream in) throws IOException {
        long deadline = System.nanoTime() + ANSWER_LIMIT_MILLIS * 1_000_000L;
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                received.write(buffer, 0, n);
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the server kept sending past " + ANSWER_LIMIT_MILLIS + " ms");
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no answer and no close within " + ANSWER_LIMIT_MILLIS + " ms (hang); got: "
                    + received.toString(StandardCharsets.ISO_8859_1), e);
        } catch (SocketException reset) {
            // A reset is the server closing too; whatever arrived before it is still judged below.
        }
        return received.toByteArray();
    }

    private static Answer parse(byte[] bytes) {
        if (bytes.length == 0) {
            return Answer.CLOSED;
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1); // one char a byte: indices are byte offsets
        int headEnd = text.indexOf("\r\n\r\n");
        Matcher status = STATUS_LINE.matcher(text);
        if (headEnd < 0 || !status.lookingAt()) {
            throw new AssertionError("not an HTTP response: " + text);
        }
        String head = text.substring(0, headEnd);
        int bodyStart = headEnd + 4;
        Matcher length = CONTENT_LENGTH.matcher(head);
        int bodyEnd = length.find() ? Math.min(bytes.length, bodyStart + Integer.parseInt(length.group(1))) : bytes.length;
        return new Answer(Integer.parseInt(status.group(1)), head,
                new String(bytes, bodyStart, bodyEnd - bodyStart, StandardCharsets.UTF_8),
                new String(bytes, bodyEnd, bytes.length - bodyEnd, StandardCharsets.UTF_8));
    }
}
