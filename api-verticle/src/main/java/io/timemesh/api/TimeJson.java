package io.timemesh.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.timemesh.core.clock.ClockStatus;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.ntp.LeapIndicator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/**
 * The JSON of GET /time and of the {@code timemesh.time} event-bus reply. Nanosecond counts travel
 * as strings: JavaScript and many JSON parsers hold numbers as doubles and would round them.
 */
public final class TimeJson {
    private TimeJson() {}

    /** RFC 3339 in UTC with all nine fractional digits. */
    private static final DateTimeFormatter RFC3339_NANOS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    /**
     * Bytes of the longest answer: eleven fields' names and punctuation (~190), three 20-character signed nanosecond
     * counts, three 30-character times, an error bound, stratum and smear of up to 20 characters each.
     */
    private static final int MAX_BYTES = 512;
    /** The HTTP/1.1 answer's head up to its content length's digits, as Vert.x writes it for GET /time. */
    private static final String OK_HEAD = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ";
    /** The answer's fixed parts, in ASCII. */
    private static final byte[] NOW_NS = ascii("{\"nowNs\":\"");
    private static final byte[] EARLIEST_NS = ascii("\",\"earliestNs\":");
    private static final byte[] LATEST_NS = ascii(",\"latestNs\":");
    private static final byte[] NOW = ascii(",\"now\":");
    private static final byte[] EARLIEST = ascii(",\"earliest\":");
    private static final byte[] LATEST = ascii(",\"latest\":");
    private static final byte[] ERROR_BOUND_NS = ascii(",\"errorBoundNs\":");
    private static final byte[] STATUS = ascii(",\"status\":\"");
    private static final byte[] STRATUM = ascii("\",\"stratum\":");
    private static final byte[] LEAP = ascii(",\"leap\":\"");
    private static final byte[] SMEAR_NS = ascii("\",\"smearNs\":");
    private static final byte[] NULL = ascii("null");
    private static final byte[][] STATUS_NAMES = Arrays.stream(ClockStatus.values()).map(v -> ascii(v.name()))
            .toArray(byte[][]::new);
    private static final byte[][] LEAP_LABELS = Arrays.stream(LeapIndicator.values()).map(v -> ascii(v.label()))
            .toArray(byte[][]::new);
    /** 10^0 … 10^18: a long has at most 19 digits. */
    private static final long[] POWERS_OF_TEN = new long[19];

    static {
        POWERS_OF_TEN[0] = 1;
        for (int i = 1; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
        }
    }

    /** {@code text}'s bytes in US-ASCII (shared with {@link DirectTime}). */
    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    public static JsonObject of(TimeReading reading) {
        return new JsonObject()
                .put("nowNs", Long.toString(reading.nowNanos()))
                .put("earliestNs", reading.bounded() ? Long.toString(reading.earliestNanos()) : null)
                .put("latestNs", reading.bounded() ? Long.toString(reading.latestNanos()) : null)
                .put("now", rfc3339(reading.nowNanos()))
                .put("earliest", reading.bounded() ? rfc3339(reading.earliestNanos()) : null)
                .put("latest", reading.bounded() ? rfc3339(reading.latestNanos()) : null)
                .put("errorBoundNs", reading.errorBoundNanos())
                .put("status", reading.status().name())
                .put("stratum", reading.stratum())
                .put("leap", reading.leap().label())
                .put("smearNs", reading.smearNanos());
    }

    public static String rfc3339(long unixNanos) {
        return RFC3339_NANOS.format(Instant.ofEpochSecond(Math.floorDiv(unixNanos, 1_000_000_000L),
                Math.floorMod(unixNanos, 1_000_000_000L)));
    }

    /** One thread's scratch space: the answer being written, and the last second's date already formatted. */
    private static final class Scratch {
        final byte[] out = new byte[MAX_BYTES];
        int length;
        long second = Long.MIN_VALUE;
        /** "2026-11-21T06:02:37." in ASCII, for {@link #second}. */
        byte[] date;
        /** {@link #httpAnswer}'s status line and headers, for a JSON of {@link #headFor} bytes. */
        byte[] head;
        int headFor = -1;

        void ascii(byte[] text) {
            System.arraycopy(text, 0, out, length, text.length);
            length += text.length;
        }

        /** A signed decimal integer (Long.toString's digits, without making a String). */
        void decimal(long value) {
            if (value == Long.MIN_VALUE) {
                ascii(TimeJson.ascii(Long.toString(value)));
                return;
            }
            if (value < 0) {
                out[length++] = '-';
                value = -value;
            }
            int digits = 1;
            while (digits < POWERS_OF_TEN.length && value >= POWERS_OF_TEN[digits]) {
                digits++;
            }
            digits(value, digits);
        }

        /** {@code value} (≥ 0) as exactly {@code digits} digits, zero-padded on the left. */
        void digits(long value, int digits) {
            int i = length + digits - 1;
            // Nine digits per long division (a nanosecond count takes two), each digit then by int division, which is
            // several times faster.
            for (; value > Integer.MAX_VALUE; value /= 1_000_000_000L) {
                int low = (int) (value % 1_000_000_000L);
                for (int n = 0; n < 9; n++, low /= 10) {
                    out[i--] = (byte) ('0' + low % 10);
                }
            }
            for (int small = (int) value; i >= length; small /= 10) {
                out[i--] = (byte) ('0' + small % 10);
            }
            length += digits;
        }

        /** Writes {@code null} and returns true when {@code value} is null; otherwise writes nothing, returns false. */
        boolean nullWritten(Long value) {
            if (value == null) {
                ascii(NULL);
            }
            return value == null;
        }

        /** {@link #decimal} in quotes (nanosecond counts beyond 2^53 stay exact in JSON readers that use doubles). */
        void quoted(long value) {
            out[length++] = '"';
            decimal(value);
            out[length++] = '"';
        }

        /** {@link #rfc3339} in quotes. */
        void time(long unixNanos) {
            out[length++] = '"';
            rfc3339(unixNanos);
            out[length++] = '"';
        }

        /** {@link TimeJson#rfc3339}, formatting each second's date once per thread. */
        void rfc3339(long unixNanos) {
            long s = Math.floorDiv(unixNanos, 1_000_000_000L);
            if (s != second) {
                String formatted = RFC3339_NANOS.format(Instant.ofEpochSecond(s));
                date = formatted.substring(0, formatted.indexOf('.') + 1).getBytes(StandardCharsets.US_ASCII);
                second = s;
            }
            System.arraycopy(date, 0, out, length, date.length);
            length += date.length;
            digits(Math.floorMod(unixNanos, 1_000_000_000L), 9);
            out[length++] = 'Z';
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * The same JSON as {@link #of}, written as ASCII straight into a buffer of its size: GET /time is the hot path,
     * and building a JsonObject (or a String, then its UTF-8 copy) and formatting three dates per answer cost a
     * large part of its throughput.
     *
     * @return a new buffer holding the JSON text (ASCII, so also UTF-8)
     */
    public static Buffer encode(TimeReading reading) {
        Scratch s = written(reading);
        return Buffer.buffer(s.length).appendBytes(s.out, 0, s.length);
    }

    /**
     * GET /time's whole HTTP/1.1 answer as Vert.x writes it (status line, {@code content-type} and {@code
     * content-length} headers, {@link #encode}'s JSON), in one buffer from {@code alloc}: for {@link DirectTime}, which
     * answers below Vert.x. {@code HttpDirectTimeTest} holds the two answers' heads equal.
     *
     * @return a buffer the caller owns (released when written), and the JSON's length in bytes ({@link
     * ByteBuf#readableBytes()} less the head's) through {@link #lastBodyLength()}
     */
    static ByteBuf httpAnswer(TimeReading reading, ByteBufAllocator alloc) {
        Scratch s = written(reading);
        if (s.headFor != s.length) { // one head per body length, which changes with the digits of errorBoundNs
            s.head = ascii(OK_HEAD + s.length + "\r\n\r\n");
            s.headFor = s.length;
        }
        ByteBuf answer = alloc.directBuffer(s.head.length + s.length);
        return answer.writeBytes(s.head).writeBytes(s.out, 0, s.length);
    }

    /** The JSON's length in bytes of this thread's last {@link #httpAnswer}. */
    static int lastBodyLength() {
        return SCRATCH.get().length;
    }

    /** This thread's scratch holding {@code reading}'s JSON. */
    private static Scratch written(TimeReading reading) {
        Scratch s = SCRATCH.get();
        s.length = 0;
        s.ascii(NOW_NS);
        s.decimal(reading.nowNanos());
        Long earliest = reading.earliestNanos();
        Long latest = reading.latestNanos();
        s.ascii(EARLIEST_NS);
        if (!s.nullWritten(earliest)) {
            s.quoted(earliest);
        }
        s.ascii(LATEST_NS);
        if (!s.nullWritten(latest)) {
            s.quoted(latest);
        }
        s.ascii(NOW);
        s.time(reading.nowNanos());
        s.ascii(EARLIEST);
        if (!s.nullWritten(earliest)) {
            s.time(earliest);
        }
        s.ascii(LATEST);
        if (!s.nullWritten(latest)) {
            s.time(latest);
        }
        s.ascii(ERROR_BOUND_NS);
        if (!s.nullWritten(reading.errorBoundNanos())) {
            s.decimal(reading.errorBoundNanos());
        }
        s.ascii(STATUS);
        s.ascii(STATUS_NAMES[reading.status().ordinal()]);
        s.ascii(STRATUM);
        s.decimal(reading.stratum());
        s.ascii(LEAP);
        s.ascii(LEAP_LABELS[reading.leap().ordinal()]);
        s.ascii(SMEAR_NS);
        if (!s.nullWritten(reading.smearNanos())) {
            s.decimal(reading.smearNanos());
        }
        s.out[s.length++] = '}';
        return s;
    }

    /** {@link #rfc3339} appended to {@code out} (for answers written as text, such as /history's). */
    static void appendRfc3339(StringBuilder out, long unixNanos) {
        Scratch s = SCRATCH.get();
        s.length = 0;
        s.rfc3339(unixNanos);
        for (int i = 0; i < s.length; i++) {
            out.append((char) s.out[i]);
        }
    }
}
