package io.timemesh.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2ConnectionHandler;

/**
 * Refuses at once the HTTP/1 request heads that Netty's decoder waits on instead of refusing, so that they are
 * answered 400 (JSON, through the server's invalid-request handler) and closed, not held until the head deadline:
 * <ul>
 *   <li>a CR not followed by LF (RFC 9112 §2.2: a bare CR is invalid; Netty looks only for LF, so a head whose lines
 *   end in bare CRs is one endless line to it);</li>
 *   <li>anything but empty lines before the request line (RFC 9112 §2.2 allows CRLF there; Netty skips every control
 *   byte and space, forever if nothing else comes).</li>
 * </ul>
 * It reads request heads only: a request's body (its Content-Length) passes unread, a chunked request (refused by
 * {@link ConnectionGuard} anyway) or a connection that turned HTTP/2 passes everything from then on. Until Vert.x has
 * chosen between HTTP/1 and h2c (the HTTP/1 decoder or an HTTP/2 handler appears) bytes are handed on one at a time,
 * so that the check learns each request's framing from the first head on. While no byte of the connection has gone to
 * Vert.x, each complete head is first offered to a {@link DirectAnswer} ({@link DirectTime}: plain GET /time answered
 * here), a head split across reads held until its end. Runs on the connection's event loop.
 */
final class RequestHeadCheck extends ChannelInboundHandlerAdapter {
    private static final String FRAMING = "timemesh-head-framing";

    /** Whether a byte continues a head, ends it, or makes it one Netty would wait on forever. */
    enum Verdict {
        MORE, END, BARE_CR, LEADING_BYTE
    }

    /**
     * The line structure of one request head, a byte at a time: pure, for tests. States: before the request line,
     * after a CR there, inside a line, after a CR in a line, at a line's start, after a CR there.
     */
    static final class HeadGrammar {
        private static final int START = 0, START_CR = 1, LINE = 2, LINE_CR = 3, LINE_START = 4, LINE_START_CR = 5;
        private int state = START;

        /** @return {@link Verdict#END} at the head's last byte (the empty line's LF), a refusal, else MORE */
        Verdict feed(byte b) {
            switch (state) {
                case START -> {
                    if (b == '\r') {
                        state = START_CR;
                    } else if (b != '\n') {
                        if ((b & 0xff) <= ' ' || b == 0x7f) {
                            return Verdict.LEADING_BYTE;
                        }
                        state = LINE;
                    }
                }
                case START_CR, LINE_CR, LINE_START_CR -> {
                    if (b != '\n') {
                        return Verdict.BARE_CR;
                    }
                    if (state == LINE_START_CR) {
                        state = START;
                        return Verdict.END;
                    }
                    state = state == START_CR ? START : LINE_START;
                }
                case LINE -> {
                    if (b == '\r') {
                        state = LINE_CR;
                    } else if (b == '\n') {
                        state = LINE_START;
                    }
                }
                default -> { // LINE_START
                    if (b == '\r') {
                        state = LINE_START_CR;
                    } else if (b == '\n') {
                        state = START;
                        return Verdict.END;
                    } else {
                        state = LINE;
                    }
                }
            }
            return Verdict.MORE;
        }
    }

    /** Answers some complete request heads below Vert.x's HTTP codec ({@link DirectTime}). */
    interface DirectAnswer {
        /**
         * Longest head ever answered (bytes): within the smallest header and line limits a node accepts ({@link
         * HttpLimits}: 256 and 64), so no head Vert.x would refuse as too large is answered; longer ones are not held.
         */
        int MAX_HEAD = 256;

        /**
         * Answers the complete head in {@code head[start, end)}, its empty line included, writing through {@code
         * decoder}'s context without flushing; or declines it, having written nothing, and Vert.x gets it. Asked only
         * while no byte of the connection has gone to Vert.x, so an answer cannot overtake one of Vert.x's.
         *
         * @return whether it answered; it never moves {@code head}'s indices
         */
        boolean answer(ChannelHandlerContext decoder, ByteBuf head, int start, int end);
    }

    /** A head refused here, without a stack trace: an attacker picks when one is made. */
    static final class MalformedHead extends RuntimeException {
        MalformedHead(Verdict verdict) {
            super(verdict == Verdict.BARE_CR ? "a CR not followed by LF (RFC 9112 §2.2)"
                    : "a control byte or space before the request line", null, false, false);
        }
    }

    private enum Mode {
        HEAD, BODY, PASS, REFUSED
    }

    private final String decoderName;
    /** Whether the connection may turn into HTTP/2 (h2c): only then is the pipeline searched for it on every read. */
    private final boolean http2;
    /** The HTTP/1 decoder's and the framing listener's places in the pipeline, once found or added. */
    private ChannelHandlerContext decoder;
    private ChannelHandlerContext framing;
    private final HeadGrammar grammar = new HeadGrammar();
    private Mode mode = Mode.HEAD;
    private long bodyLeft;
    /** Set by the framing listener when the decoder made a request of the head just handed on. */
    private boolean framed;
    /**
     * Answers plain GET /time heads below Vert.x while nothing of the connection has gone to Vert.x; null from the first
     * byte handed on (an answer here could then overtake one of Vert.x's), or when not wanted.
     */
    private DirectAnswer direct;
    /**
     * Whether the current socket read (to its channelReadComplete, as {@link ReadFlush} counts one) has had a direct
     * answer flushed, and whether one written since waits for the flush at the read's end.
     */
    private boolean flushedInRead;
    private boolean flushPending;
    /**
     * The start of a head whose end has not been read yet, held while {@link #direct} may still answer it (at most
     * {@link DirectAnswer#MAX_HEAD} bytes): handing it to Vert.x's decoder would end direct answers for the connection.
     * Allocated at the first such head.
     */
    private byte[] heldHead;
    private int held;

    /**
     * @param decoderName the name of Vert.x's HTTP/1 request decoder in the pipeline
     * @param http2       whether the server speaks HTTP/2 on the connection (h2c), so that it may turn into HTTP/2
     * @param direct      answers heads below Vert.x ({@link DirectTime}: plain GET /time); null for none
     */
    RequestHeadCheck(String decoderName, boolean http2, DirectAnswer direct) {
        this.decoderName = decoderName;
        this.http2 = http2;
        this.direct = direct;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (mode == Mode.PASS || !(msg instanceof ByteBuf bytes)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            while (bytes.isReadable() && ctx.channel().isActive() && mode != Mode.PASS && mode != Mode.REFUSED) {
                step(ctx, bytes);
            }
            if (mode == Mode.PASS && bytes.isReadable() && ctx.channel().isActive()) {
                ctx.fireChannelRead(bytes.readRetainedSlice(bytes.readableBytes()));
            }
        } finally {
            bytes.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushedInRead = false;
        if (flushPending) { // the read's direct answers after its first go out together, before Vert.x's flush
            flushPending = false;
            decoder.flush();
        }
        ctx.fireChannelReadComplete();
    }

    /** Hands on the next part of the read: a body's bytes, or a head's up to its end or the end of the read. */
    private void step(ChannelHandlerContext ctx, ByteBuf bytes) {
        ChannelPipeline pipeline = ctx.pipeline();
        if (http2 && pipeline.get(Http2ConnectionHandler.class) != null) {
            mode = Mode.PASS;
            return;
        }
        if (mode == Mode.BODY) {
            int n = (int) Math.min(bodyLeft, bytes.readableBytes());
            bodyLeft -= n;
            mode = bodyLeft == 0 ? Mode.HEAD : Mode.BODY;
            ctx.fireChannelRead(bytes.readRetainedSlice(n));
            return;
        }
        // Looked up again only once removed: searching the pipeline by name on every read cost 3 % of GET /time.
        if (decoder == null || decoder.isRemoved()) {
            decoder = pipeline.context(decoderName);
        }
        boolean http1 = decoder != null;
        if (http1 && (framing == null || framing.isRemoved())) {
            framing = pipeline.addAfter(decoderName, FRAMING, new Framing()).context(FRAMING);
        }
        int start = bytes.readerIndex();
        int limit = http1 ? bytes.writerIndex() : start + 1;
        int end = start;
        Verdict verdict = Verdict.MORE;
        while (end < limit && verdict == Verdict.MORE) {
            verdict = grammar.feed(bytes.getByte(end++));
        }
        if (verdict == Verdict.BARE_CR || verdict == Verdict.LEADING_BYTE) {
            refuse(ctx, bytes, end - start, verdict);
            return;
        }
        // Every head so far was answered here: this part starts a head or goes on with the one held, the decoder empty.
        if (http1 && direct != null && held + end - start <= DirectAnswer.MAX_HEAD) {
            if (verdict == Verdict.MORE) { // the head ends in a later read: held until then, to be answered here still
                hold(bytes, end);
                return;
            }
            ByteBuf head = bytes;
            int from = start;
            if (held > 0) {
                hold(bytes, end);
                head = Unpooled.wrappedBuffer(heldHead, 0, held);
                from = 0;
            }
            if (direct.answer(decoder, head, from, head == bytes ? end : held)) {
                held = 0;
                bytes.readerIndex(end);
                if (flushedInRead) {
                    flushPending = true;
                } else { // a read's first answer goes at once, as ReadFlush sends Vert.x's (issue 10)
                    flushedInRead = true;
                    decoder.flush();
                }
                return;
            }
        }
        direct = null;
        framed = false;
        if (held > 0) { // the start of this head, or all of it, held here: first
            ctx.fireChannelRead(Unpooled.copiedBuffer(heldHead, 0, held));
            held = 0;
        }
        if (end > bytes.readerIndex()) {
            ctx.fireChannelRead(bytes.readRetainedSlice(end - bytes.readerIndex()));
        }
        if (verdict == Verdict.END && !framed && mode == Mode.HEAD && http1) {
            mode = Mode.PASS; // no request came of the head: the decoder has it from here
        }
        // Undecided, a head's end is the HTTP/2 preface's "PRI * HTTP/2.0" part: go on a byte at a time until Vert.x
        // has chosen, so that an HTTP/2 connection's frames reach the Http2Gate only once it slices them.
    }

    /** Copies the head's bytes from the read's index to {@code end} after those held, and moves the index there. */
    private void hold(ByteBuf bytes, int end) {
        if (heldHead == null) {
            heldHead = new byte[DirectAnswer.MAX_HEAD];
        }
        int length = end - bytes.readerIndex();
        bytes.readBytes(heldHead, held, length);
        held += length;
    }

    /**
     * Fails the request as Netty fails one it cannot parse, after the decoder, so that the server's invalid-request
     * handler answers and closes; drops the rest. Before Vert.x has chosen HTTP/1, the bytes up to the refused one
     * are handed on first: that byte is never part of the HTTP/2 preface, so it makes the choice.
     */
    private void refuse(ChannelHandlerContext ctx, ByteBuf bytes, int length, Verdict verdict) {
        mode = Mode.REFUSED;
        held = 0; // what was held of the refused head goes nowhere, as the rest of it
        if (ctx.pipeline().get(decoderName) == null) {
            ctx.fireChannelRead(bytes.readRetainedSlice(length));
        }
        ChannelHandlerContext decoder = ctx.pipeline().context(decoderName);
        if (decoder == null) {
            ctx.close();
            return;
        }
        HttpRequest failed = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        failed.setDecoderResult(DecoderResult.failure(new MalformedHead(verdict)));
        decoder.fireChannelRead(failed);
        decoder.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    /** After the decoder: learns how each request is framed, so the head check skips its body. */
    private final class Framing extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request && mode == Mode.HEAD) {
                framed = true;
                if (!request.decoderResult().isSuccess() || HttpUtil.isTransferEncodingChunked(request)) {
                    mode = Mode.PASS; // refused and closed, or a body the check does not frame
                } else {
                    bodyLeft = HttpUtil.getContentLength(request, 0L);
                    mode = bodyLeft > 0 ? Mode.BODY : Mode.HEAD;
                }
            }
            ctx.fireChannelRead(msg);
        }
    }
}
