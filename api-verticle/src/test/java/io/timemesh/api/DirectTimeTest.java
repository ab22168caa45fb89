package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Which request heads {@link DirectTime} answers below Vert.x ({@link DirectTime#plainGet}, pure), and how
 * {@link RequestHeadCheck} hands them over: only while nothing of the connection has gone to Vert.x's decoder, each
 * read's first answer flushed at once. {@code HttpDirectTimeTest} holds the answers equal to Vert.x's over sockets.
 */
class DirectTimeTest {

    private static final String PLAIN = "GET /time HTTP/1.1\r\nHost: 127.0.0.1:8123\r\n\r\n";

    private static boolean plain(String head) {
        ByteBuf bytes = Unpooled.copiedBuffer("xx" + head, StandardCharsets.ISO_8859_1);
        try {
            return DirectTime.plainGet(bytes, 2, bytes.writerIndex()); // not at index 0: offsets are honoured
        } finally {
            bytes.release();
        }
    }

    @Test
    void theHeadsOfWrkCurlAndBrowsersAreAnswered() {
        assertThat(plain(PLAIN)).isTrue();
        assertThat(plain("GET /time HTTP/1.1\r\n\r\n")).as("no Host: Vert.x answers /time 200 too").isTrue();
        assertThat(plain("GET /time HTTP/1.1\r\nHost: localhost:8123\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"))
                .isTrue();
        assertThat(plain("GET /time HTTP/1.1\r\nhost: a\r\nCONNECTION:  Keep-Alive \t\r\nAccept-Encoding: gzip, br\r\n"
                + "Accept-Language: en-GB,en;q=0.9\r\n\r\n")).isTrue();
    }

    @Test
    void everythingElseIsLeftToVertx() {
        for (String head : List.of(
                "GET /time HTTP/1.0\r\nHost: a\r\n\r\n", // another version: Vert.x's keep-alive rules
                "HEAD /time HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET /time?x=1 HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET /time/ HTTP/1.1\r\nHost: a\r\n\r\n",
                "get /time HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET /time HTTP/1.1\nHost: a\n\n", // bare LF: Vert.x refuses it
                "GET /time HTTP/1.1\r\nHost: a\nAccept: b\r\n\r\n",
                "GET /time HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", // two Hosts: Vert.x's call
                "GET /time HTTP/1.1\r\nHost : a\r\n\r\n", // space before the colon: Vert.x refuses it
                "GET /time HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
                "GET /time HTTP/1.1\r\nConnection: close\r\n\r\n",
                "GET /time HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: h2c\r\n\r\n",
                "GET /time HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
                "GET /time HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                "GET /time HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
                "GET /time HTTP/1.1\r\nX-Request-Id: 1\r\n\r\n",
                "GET /time HTTP/1.1\r\nUser-Agent: a\u007fb\r\n\r\n",
                "GET /time HTTP/1.1\r\nUser-Agent: a\u0000b\r\n\r\n",
                "GET /time HTTP/1.1\r\nUser-Agent: caf\u00e9\r\n\r\n",
                "GET /time HTTP/1.1\r\nHost: a\r\n", // no empty line: not a whole head
                "GET /time HTTP/1.1\r\nAccept: " + "x".repeat(DirectTime.MAX_HEAD) + "\r\n\r\n")) {
            assertThat(plain(head)).as(head).isFalse();
        }
    }

    /** Heads of the allowed fields, in any case and order, with values of visible ASCII, spaces and tabs. */
    @Provide
    Arbitrary<String> plainHeads() {
        Arbitrary<String> value = Arbitraries.strings().withCharRange(' ', '~').withChars('\t').ofMaxLength(20);
        Arbitrary<String> field = Arbitraries.of("user-agent", "accept", "accept-encoding", "accept-language")
                .flatMap(name -> Arbitraries.of(true, false).flatMap(upper -> value.map(v ->
                        (upper ? name.toUpperCase(Locale.ROOT) : name) + ":" + v + "\r\n")));
        return field.list().ofMaxSize(4).flatMap(fields -> Arbitraries.of("", "Host: a\r\n", "connection: keep-alive\r\n")
                .map(extra -> "GET /time HTTP/1.1\r\n" + extra + String.join("", fields) + "\r\n"));
    }

    @Property(tries = 300)
    void aPlainHeadIsAnsweredAndAnyControlByteInItsFieldsIsNot(@ForAll("plainHeads") String head,
                                                              @ForAll("controlBytes") char control) {
        assertThat(plain(head)).as(head).isTrue();
        int fieldsStart = "GET /time HTTP/1.1\r\n".length();
        int lastValueEnd = head.length() - 4; // before the last field's CRLF and the empty line
        if (lastValueEnd > fieldsStart) {
            String tampered = head.substring(0, lastValueEnd) + control + head.substring(lastValueEnd);
            assertThat(plain(tampered)).as(tampered).isFalse();
        }
    }

    @Provide
    Arbitrary<Character> controlBytes() {
        return Arbitraries.oneOf(Arbitraries.chars().range('\0', '\u001f').filter(c -> c != '\t' && c != '\r'),
                Arbitraries.of('\u007f', '\u0080', '\u00ff'));
    }

    /** Answers heads that start with "GET /time" with "answer N", through the decoder's context, as DirectTime does. */
    private static final class Stub implements RequestHeadCheck.DirectAnswer {
        int asked;

        @Override
        public boolean answer(ChannelHandlerContext decoder, ByteBuf head, int start, int end) {
            asked++;
            if (!head.toString(start, end - start, StandardCharsets.US_ASCII).startsWith("GET /time ")) {
                return false;
            }
            decoder.write(Unpooled.copiedBuffer("answer " + asked, StandardCharsets.US_ASCII));
            return true;
        }
    }

    /** What got past Vert.x's decoder: the requests it made. */
    private static final class Decoded extends ChannelInboundHandlerAdapter {
        final List<String> uris = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                uris.add(request.uri());
            }
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    private static List<String> flushed(EmbeddedChannel channel) {
        List<String> out = new ArrayList<>();
        for (ByteBuf b; (b = channel.readOutbound()) != null; b.release()) {
            out.add(b.toString(StandardCharsets.US_ASCII));
        }
        return out;
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    /** The head check with {@code direct}, Netty's decoder as Vert.x names it, and {@code decoded} after it. */
    private static EmbeddedChannel channel(RequestHeadCheck.DirectAnswer direct, Decoded decoded) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast("head-check", new RequestHeadCheck("httpDecoder", false, direct))
                .addLast("httpDecoder", new HttpRequestDecoder()).addLast(decoded);
        return channel;
    }

    @Test
    void directAnswersStopForGoodOnceAByteHasGoneToVertx() {
        Stub stub = new Stub();
        Decoded decoded = new Decoded();
        EmbeddedChannel channel = channel(stub, decoded);

        channel.writeInbound(ascii(PLAIN.repeat(3)));
        assertThat(flushed(channel)).as("three pipelined heads, one read: all answered here, in order")
                .containsExactly("answer 1", "answer 2", "answer 3");
        assertThat(decoded.uris).as("nothing reached Vert.x's decoder").isEmpty();

        channel.writeInbound(ascii("GET /status HTTP/1.1\r\n\r\n" + PLAIN));
        assertThat(stub.asked).as("/status declined; the /time behind it never asked").isEqualTo(4);
        assertThat(decoded.uris).containsExactly("/status", "/time");
        channel.writeInbound(ascii(PLAIN));
        assertThat(stub.asked).as("nor any head after").isEqualTo(4);
        assertThat(decoded.uris).containsExactly("/status", "/time", "/time");
        assertThat(flushed(channel)).isEmpty();
        channel.finishAndReleaseAll();
    }

    @Test
    void aHeadSplitAcrossReadsIsHeldAndAnsweredHere() {
        Stub stub = new Stub();
        Decoded decoded = new Decoded();
        EmbeddedChannel channel = channel(stub, decoded);
        channel.writeInbound(ascii(PLAIN + "GET /time HT"));
        channel.writeInbound(ascii("TP/1.1\r\nHo"));
        channel.writeInbound(ascii("st: a\r\n\r\n" + PLAIN));
        assertThat(flushed(channel)).containsExactly("answer 1", "answer 2", "answer 3");
        assertThat(decoded.uris).as("nothing reached Vert.x's decoder").isEmpty();
        channel.finishAndReleaseAll();
    }

    @Test
    void aSplitHeadDeclinedOrTooLongReachesVertxWholeAndInOrder() {
        for (String declined : List.of("GET /status HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET /long HTTP/1.1\r\nX-A: " + "b".repeat(RequestHeadCheck.DirectAnswer.MAX_HEAD) + "\r\n\r\n")) {
            Stub stub = new Stub();
            Decoded decoded = new Decoded();
            EmbeddedChannel channel = channel(stub, decoded);
            int split = declined.length() / 2;
            channel.writeInbound(ascii(PLAIN + declined.substring(0, split)));
            channel.writeInbound(ascii(declined.substring(split, split + 3)));
            channel.writeInbound(ascii(declined.substring(split + 3) + PLAIN));
            assertThat(flushed(channel)).as("the /time before it answered here").containsExactly("answer 1");
            assertThat(decoded.uris).as("the split head decoded whole, the /time behind it too")
                    .containsExactly(declined.substring(4, declined.indexOf(" HTTP/")), "/time");
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aReadsFirstAnswerIsFlushedAtOnceAndTheRestAtTheReadsEnd() {
        List<Integer> flushedAt = new ArrayList<>();
        RequestHeadCheck.DirectAnswer counting = (decoder, head, start, end) -> {
            decoder.write(Unpooled.EMPTY_BUFFER);
            flushedAt.add(((EmbeddedChannel) decoder.channel()).outboundMessages().size());
            return true;
        };
        EmbeddedChannel channel = channel(counting, new Decoded());
        channel.writeInbound(ascii(PLAIN.repeat(3)));
        // As each answer is written: none flushed yet, then the first (flushed at once), then still the first.
        assertThat(flushedAt).containsExactly(0, 1, 1);
        assertThat(channel.outboundMessages()).as("all three flushed by the read's end").hasSize(3);
        channel.writeInbound(ascii(PLAIN));
        assertThat(flushedAt).as("the next read's first at once again").containsExactly(0, 1, 1, 3);
        channel.finishAndReleaseAll();
    }
}
