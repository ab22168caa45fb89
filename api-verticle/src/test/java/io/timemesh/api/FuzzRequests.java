package io.timemesh.api;

import io.timemesh.core.message.SourceState;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** Adversarial pieces of HTTP requests for {@link HttpParameterFuzzProperties}. */
final class FuzzRequests {

    /** Escapes that do not decode, or decode to bytes that are no UTF-8 (overlong forms of '/' included). */
    private static final List<String> ESCAPE_GARBAGE =
            List.of("%", "%G1", "%FF%FE", "%C0%AF", "%E0%80%AF", "%ZZ", "%%", "%2", "%u0041", "%00", "%0D%0A");

    private FuzzRequests() {
    }

    static Arbitrary<String> methods() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.just("GET")),
                Tuple.of(4, Arbitraries.of("HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT",
                        "PRI")),
                Tuple.of(1, Arbitraries.strings().withCharRange('A', 'Z').ofMinLength(1).ofMaxLength(10)));
    }

    static Arbitrary<String> paths() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.strings().alpha().numeric().ofMaxLength(12),
                Arbitraries.of("..", ".", "%2e%2e", "%2F", ";x", "time", "sources", "assets", "webjars", "health"),
                Arbitraries.of(ESCAPE_GARBAGE),
                unicode());
        Arbitrary<String> random = segment.list().ofMinSize(1).ofMaxSize(5).map(s -> "/" + String.join("/", s));
        return Arbitraries.oneOf(Arbitraries.of(ApiRules.ANSWERING_ROUTES), Arbitraries.of(ApiRules.MISSING_FILES),
                Arbitraries.of(ApiRules.PARAMETER_ROUTES), random);
    }

    static Arbitrary<List<QueryParam>> queries() {
        return Combinators.combine(names(), values()).as(QueryParam::new).list().ofMaxSize(6);
    }

    private static Arbitrary<String> names() {
        return Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.of("state", "decisions")),
                Tuple.of(2, Arbitraries.of("STATE", "Decisions", "st%61te", "decisions%00", "", "state[]")),
                Tuple.of(1, Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8)),
                Tuple.of(1, Arbitraries.of(ESCAPE_GARBAGE)));
    }

    /** Wire values; null stands for a bare name without '='. */
    private static Arbitrary<String> values() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(null)),
                Tuple.of(4, Arbitraries.of(SourceState.labels())),
                Tuple.of(1, Arbitraries.of(SourceState.labels()).map(FuzzRequests::escapeEveryByte)),
                Tuple.of(1, Arbitraries.of("Selected", "SELECTED", "selected+", "selected%20", "", "selected;x", "=",
                        "selected=selected", "%26state=kiss")),
                Tuple.of(4, Arbitraries.integers().between(-100, 200).map(String::valueOf)),
                Tuple.of(2, Arbitraries.of("+5", "007", "-0", "%2B5", "5+", "%205", "1e1", "0x10", "5.0",
                        "2147483648", "-2147483649", "99999999999999999999999")),
                Tuple.of(1, Arbitraries.bigIntegers().between(
                        new BigInteger("-1" + "0".repeat(40)), new BigInteger("1" + "0".repeat(40)))
                        .map(String::valueOf)),
                // Digits of other scripts (Arabic-Indic, fullwidth, mathematical bold): no whole number in a URL.
                Tuple.of(1, Arbitraries.of("\u0665", "\uff15", "\ud835\udfd3", "1\u0660").map(FuzzRequests::encode)),
                Tuple.of(2, Arbitraries.of(ESCAPE_GARBAGE)),
                Tuple.of(2, unicode()),
                Tuple.of(1, Arbitraries.strings().alpha().numeric().ofMinLength(200).ofMaxLength(600)));
    }

    /**
     * Requests the HTTP layer itself must refuse or survive: broken methods, targets (raw bytes, control
     * characters, longer than a request line may be), versions, headers, line ends and bodies; or random bytes.
     */
    static Arbitrary<byte[]> malformed() {
        Arbitrary<String> method = Arbitraries.oneOf(Arbitraries.of("GET", "POST", "", "G(T", "GE T", "get", "\0"),
                Arbitraries.strings().ascii().ofMaxLength(10));
        Arbitrary<String> target = Arbitraries.oneOf(
                Combinators.combine(paths(), queries()).as((path, query) -> path + "?" + QueryParam.query(query)),
                Arbitraries.of("", "*", "time", "http://127.0.0.1/time", "/ti\0me", "/time\t", "/time x",
                        "/time?\u007f"),
                Arbitraries.strings().all().ofMaxLength(20).map(raw -> "/" + raw),
                Arbitraries.integers().between(4_000, 20_000).map(n -> "/time?state=" + "a".repeat(n)));
        Arbitrary<String> version = Arbitraries.of("HTTP/1.1", "HTTP/1.0", "HTTP/9.9", "HTTP/1", "FOO/1.1", "http/1.1",
                "HTTP/1.1 extra", "");
        Arbitrary<List<String>> headers = Arbitraries.of("Host: x", "Host x", ": v", "Content-Length: abc",
                "Content-Length: -5", "Content-Length: 10", "Content-Length: 99999999999999999999",
                "Transfer-Encoding: chunked", "Transfer-Encoding: gzip", " folded", "Host: \u00e9",
                "X-Big: " + "b".repeat(9_000)).list().ofMaxSize(3);
        Arbitrary<String> lineEnd = Arbitraries.of("\r\n", "\n", "\r");
        Arbitrary<String> body = Arbitraries.of("", "ZZZ\r\n", "0\r\n\r\n", "5\r\nab", "{\"x\":1}");
        Arbitrary<byte[]> structured = Combinators.combine(method, target, version, headers, lineEnd, body)
                .as((m, t, v, h, end, b) -> (m + " " + t + (v.isEmpty() ? "" : " " + v) + end
                        + h.stream().map(line -> line + end).reduce("", String::concat) + end + b)
                        .getBytes(StandardCharsets.UTF_8));
        return Arbitraries.frequencyOf(Tuple.of(4, structured),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(400)));
    }

    /** Any text, UTF-8 percent-encoded as a browser would send it. */
    private static Arbitrary<String> unicode() {
        return Arbitraries.strings().all().ofMaxLength(12).map(FuzzRequests::encode);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String escapeEveryByte(String text) {
        StringBuilder escaped = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            escaped.append('%').append(String.format("%02X", b & 0xff));
        }
        return escaped.toString();
    }
}
