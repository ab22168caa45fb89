package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.time.ManualTimeSource;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Request heads Netty's decoder would wait on rather than refuse (issue 16), sent over raw loopback sockets to a real
 * {@link ApiVerticle} with h2c off and one with h2c on, with the connection left open: each is answered 400 in our
 * JSON and closed long before the 10 s head deadline (within {@link RawHttpExchange#ANSWER_LIMIT_MILLIS}), also
 * behind a well-formed request on the same connection, which is still answered first.
 */
class StuckHeadProperties {

    private static final long T0 = 1_795_000_000L * 1_000_000_000L;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");

    private static Vertx vertx;
    private static int h2cOff;
    private static int h2cOn;

    @BeforeContainer
    static void deploy() {
        vertx = Vertx.vertx();
        h2cOff = deploy(false);
        h2cOn = deploy(true);
    }

    private static int deploy(boolean h2c) {
        ApiVerticle api = new ApiVerticle(new ManualTimeSource(T0), new MonotonicReader(),
                TestMesh.node(new ManualTimeSource(T0)));
        vertx.deployVerticle(api, new DeploymentOptions().setConfig(new JsonObject().put("httpHost", "127.0.0.1")
                .put("httpPort", 0).put("http", new JsonObject().put("h2c", h2c)))).await();
        return api.httpPort();
    }

    @AfterContainer
    static void close() {
        vertx.close().await();
    }

    @Property
    void aHeadNettyWouldWaitOnIsAnswered400AndClosed(@ForAll("stuckHeads") byte[] stuck,
                                                     @ForAll("wellFormed") String before,
                                                     @ForAll boolean h2c) throws Exception {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(before.getBytes(StandardCharsets.ISO_8859_1));
        request.write(stuck);
        RawHttpExchange.Answer answer = RawHttpExchange.send(h2c ? h2cOn : h2cOff, request.toByteArray(), false);
        String all = answer.head() + "\r\n\r\n" + answer.body() + answer.following();
        Matcher statuses = STATUS_LINE.matcher(all);
        StringBuilder seen = new StringBuilder();
        while (statuses.find()) {
            seen.append(statuses.group(1)).append(' ');
        }
        assertThat(seen.toString().trim()).as(all).isEqualTo(before.isEmpty() ? "400" : "200 400");
        String refusal = all.substring(all.lastIndexOf("HTTP/1.1 400"));
        assertThat(refusal).as(refusal).containsIgnoringCase("content-type: application/json")
                .contains("{\"error\":\"malformed request: ");
    }

    /** Nothing, or a request served before the stuck one: without a body, or with one holding bare CRs and NULs. */
    @Provide
    Arbitrary<String> wellFormed() {
        return Arbitraries.of("", "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n",
                "\r\nGET /health/live HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n\r\0\r \r");
    }

    /**
     * A request head that never ends as Netty reads it: its line ends all bare CRs; or a bare CR (followed by
     * anything but LF) somewhere in it; or led by control bytes or spaces, alone or before a request.
     */
    @Provide
    Arbitrary<byte[]> stuckHeads() {
        Arbitrary<List<String>> lines = Arbitraries.of("GET /time HTTP/1.1", "HEAD / HTTP/1.0", "GET /health/live HTTP/1.1")
                .flatMap(line -> Arbitraries.of("Host: 127.0.0.1", "Accept: */*", "X-A: b").list().ofMaxSize(3)
                        .map(headers -> Stream.concat(Stream.of(line), headers.stream()).toList()));
        Arbitrary<String> bareCrEnds = lines.map(l -> String.join("\r", l) + "\r\r");
        Arbitrary<String> bareCrInside = Combinators.combine(lines, Arbitraries.integers().between(0, 200),
                        Arbitraries.chars().ascii().filter(c -> c != '\n'))
                .as((l, at, after) -> {
                    String head = String.join("\r\n", l) + "\r\n\r\n";
                    int i = Math.min(at, head.length() - 4);
                    return head.substring(0, i) + "\r" + after + head.substring(i);
                });
        Arbitrary<String> leading = Combinators.combine(
                Arbitraries.chars().range('\0', ' ').filter(c -> c != '\r' && c != '\n').injectDuplicates(0.3)
                        .list().ofMinSize(1).ofMaxSize(8).map(cs -> cs.stream().map(String::valueOf)
                                .reduce("", String::concat)),
                Arbitraries.of("", "GET /time HTTP/1.1\r\nHost: x\r\n\r\n", "\u007f"))
                .as(String::concat);
        return Arbitraries.oneOf(bareCrEnds, bareCrInside, leading)
                .map(s -> s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Property(tries = 20)
    void theHeadGrammarEndsAWellFormedHeadAtItsLastByteAndNowhereElse(
            @ForAll @IntRange(min = 0, max = 3) int emptyLinesBefore, @ForAll boolean lfOnly) {
        String end = lfOnly ? "\n" : "\r\n";
        String head = end.repeat(emptyLinesBefore) + "GET /time HTTP/1.1" + end + "Host: x" + end + " folded" + end + end;
        RequestHeadCheck.HeadGrammar grammar = new RequestHeadCheck.HeadGrammar();
        byte[] bytes = head.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < bytes.length - 1; i++) {
            assertThat(grammar.feed(bytes[i])).as("byte %d of %s", i, head).isEqualTo(RequestHeadCheck.Verdict.MORE);
        }
        assertThat(grammar.feed(bytes[bytes.length - 1])).isEqualTo(RequestHeadCheck.Verdict.END);
        // The next head starts afresh: a leading space is refused again.
        assertThat(grammar.feed((byte) ' ')).isEqualTo(RequestHeadCheck.Verdict.LEADING_BYTE);
    }
}
