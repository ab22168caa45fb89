package io.timemesh.api;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.VertxHandler;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /time answered on one connection below Vert.x's HTTP codec, from the request head's bytes: the traffic a node is
 * sized for, and Vert.x's request and response objects, codec and dispatch were most of its cost against a bare
 * endpoint (issue 14). {@link RequestHeadCheck} hands over each complete head (one split across reads is held until
 * its end), and only while nothing of the connection has gone to Vert.x, so no answer can overtake one of Vert.x's; a
 * head this class declines ({@link #plainGet}), and everything after it on the connection, takes Vert.x's path as
 * before.
 *
 * <p>The answer is Vert.x's to the same request, byte for byte in its head ({@link TimeJson#httpAnswer}), and counts as
 * Vert.x's would: in {@link ConnectionGuard} (a request came: the head deadline restarts, the connection moves to the
 * back of the eviction order), in the idle timeout, and in the HTTP server series ({@link HttpRequestMeters}, the
 * connection's bytes written). It is written through the write deadline ({@link ChannelLimits.WriteDeadline}) and, over
 * TLS, the TLS handler. Checked against Vert.x 5.0.8's internals ({@link VertxHandler}, {@link ConnectionBase}).
 * Event-loop thread only.
 */
final class DirectTime implements RequestHeadCheck.DirectAnswer {
    private static final Logger LOG = LoggerFactory.getLogger(DirectTime.class);

    /** The only request line answered here. */
    private static final byte[] REQUEST_LINE = TimeJson.ascii("GET /time HTTP/1.1\r\n");
    /**
     * The header fields a head answered here may carry, lower case: none changes GET /time's answer (no compression
     * is offered). Any other field, a body's, an upgrade, {@code Expect}, sends the head to Vert.x.
     */
    private static final byte[][] FIELDS = {TimeJson.ascii("host"), TimeJson.ascii("user-agent"),
        TimeJson.ascii("accept"), TimeJson.ascii("accept-encoding"), TimeJson.ascii("accept-language"),
        TimeJson.ascii("connection")};
    private static final int HOST = 0;
    private static final int CONNECTION = 5;
    private static final byte[] KEEP_ALIVE = TimeJson.ascii("keep-alive");

    private final ClockView clock;
    /** The connection guard's say: whether the connection may be served, counting the request if so. */
    private final BooleanSupplier admit;
    /** Vert.x's connection on the channel, its idle timeout and its request series; looked up at the first answer. */
    private ConnectionBase connection;
    private IdleStateHandler idle;
    private HttpRequestMeters meters;
    /** The promise of every write: void, and silent when the write fails. */
    private VoidChannelPromise quiet;

    /**
     * @param clock the node's clock view (GET /time's)
     * @param admit asked before each answer: false leaves the request to Vert.x (the guard's own path then decides)
     */
    DirectTime(ClockView clock, BooleanSupplier admit) {
        this.clock = clock;
        this.admit = admit;
    }

    /**
     * Whether the complete request head in {@code bytes[start, end)} (its empty line included) is a plain GET /time
     * that this class answers as Vert.x would: exactly {@code GET /time HTTP/1.1}, CRLF line ends, at most
     * {@link #MAX_HEAD} bytes, and only the {@link #FIELDS} (each written {@code name:}, without space before the
     * colon), at most one {@code Host}, {@code Connection} only as {@code keep-alive}, values of visible ASCII, space
     * and tab. Anything else is false: Vert.x answers it, refusing what it refuses. Pure; reads, never moves, indices.
     */
    static boolean plainGet(ByteBuf bytes, int start, int end) {
        if (end - start > MAX_HEAD || end - start < REQUEST_LINE.length + 2) {
            return false;
        }
        for (int i = 0; i < REQUEST_LINE.length; i++) {
            if (bytes.getByte(start + i) != REQUEST_LINE[i]) {
                return false;
            }
        }
        int hosts = 0;
        int at = start + REQUEST_LINE.length;
        while (at < end - 2) { // each field line; the head's last two bytes are the empty line's CRLF
            int field = field(bytes, at, end);
            if (field < 0) {
                return false;
            }
            int value = at + FIELDS[field].length + 1;
            int lineEnd = value;
            while (lineEnd < end && bytes.getByte(lineEnd) != '\r') {
                byte b = bytes.getByte(lineEnd++);
                if ((b < ' ' || b > '~') && b != '\t') {
                    return false;
                }
            }
            if (lineEnd + 1 >= end || bytes.getByte(lineEnd + 1) != '\n') {
                return false;
            }
            if (field == HOST && ++hosts > 1 || field == CONNECTION && !keepAlive(bytes, value, lineEnd)) {
                return false;
            }
            at = lineEnd + 2;
        }
        return at == end - 2 && bytes.getByte(at) == '\r' && bytes.getByte(at + 1) == '\n';
    }

    /** Which of {@link #FIELDS} the line at {@code at} names (followed by its colon), or −1. */
    private static int field(ByteBuf bytes, int at, int end) {
        for (int f = 0; f < FIELDS.length; f++) {
            byte[] name = FIELDS[f];
            if (at + name.length < end && bytes.getByte(at + name.length) == ':' && equalsIgnoreCase(bytes, at, name)) {
                return f;
            }
        }
        return -1;
    }

    private static boolean equalsIgnoreCase(ByteBuf bytes, int at, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            byte b = bytes.getByte(at + i);
            if (b != lower[i] && (b < 'A' || b > 'Z' || b + ('a' - 'A') != lower[i])) {
                return false;
            }
        }
        return true;
    }

    /** Whether the value in {@code [from, to)}, less surrounding spaces and tabs, is {@code keep-alive}. */
    private static boolean keepAlive(ByteBuf bytes, int from, int to) {
        while (from < to && (bytes.getByte(from) == ' ' || bytes.getByte(from) == '\t')) {
            from++;
        }
        while (to > from && (bytes.getByte(to - 1) == ' ' || bytes.getByte(to - 1) == '\t')) {
            to--;
        }
        return to - from == KEEP_ALIVE.length && equalsIgnoreCase(bytes, from, KEEP_ALIVE);
    }

    /**
     * Answers a head {@link #plainGet} accepts, writing through {@code decoder}'s context (Vert.x's HTTP/1 decoder, so
     * that the write passes every handler between it and the socket: the write deadline, TLS); the caller flushes.
     *
     * @return false, having written nothing, when the request is left to Vert.x: {@link #plainGet} refuses it, the
     * socket's outbound buffer is over its high-water mark (Vert.x's path then holds the client back), Vert.x's
     * connection or its metrics are not found as expected, reading the clock failed (Vert.x's path answers 500 if it
     * fails again), or the guard declines the connection
     */
    @Override
    public boolean answer(ChannelHandlerContext decoder, ByteBuf head, int start, int end) {
        if (!plainGet(head, start, end) || !decoder.channel().isWritable() || !found(decoder)) {
            return false;
        }
        long begin = meters == null ? 0 : System.nanoTime();
        ByteBuf answer;
        try {
            answer = TimeJson.httpAnswer(clock.read(), decoder.alloc());
        } catch (RuntimeException e) {
            LOG.error("internal error serving /time below Vert.x: left to Vert.x", e);
            return false;
        }
        if (!admit.getAsBoolean()) { // last: the guard counts the request once admitted
            answer.release();
            return false;
        }
        int body = TimeJson.lastBodyLength();
        // A write that fails (the connection closing) fails quietly, as Vert.x's own writes do: no exceptionCaught.
        decoder.write(answer, quiet);
        if (idle != null) {
            idle.resetReadTimeout();
        }
        connection.reportBytesWritten(body); // Vert.x counts an answer's body (Http1xConnection.sizeof) ...
        connection.flushBytesWritten(); // ... and reports it as each answer ends
        if (meters != null) {
            meters.answered(HttpMethod.GET, 200, 0, body, System.nanoTime() - begin);
        }
        return true;
    }

    /**
     * Looks up, once, Vert.x's connection, idle timeout and request series: whether they were found. A connection whose
     * metrics are not {@link HttpRequestMeters} (another metrics provider, which this class could not count in) is left
     * to Vert.x.
     */
    private boolean found(ChannelHandlerContext decoder) {
        if (connection == null) {
            VertxHandler<?> handler = decoder.pipeline().get(VertxHandler.class);
            if (handler == null || handler.getConnection() == null) {
                return false;
            }
            ConnectionBase base = handler.getConnection(); // a VertxConnection, which is a ConnectionBase
            if (base.metrics() != null && !(base.metrics() instanceof HttpRequestMeters)) {
                return false;
            }
            meters = (HttpRequestMeters) base.metrics();
            idle = decoder.pipeline().get(IdleStateHandler.class);
            quiet = new VoidChannelPromise(decoder.channel(), false);
            connection = base;
        }
        return true;
    }
}
