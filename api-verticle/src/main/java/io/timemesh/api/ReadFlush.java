package io.timemesh.api;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;

/**
 * Sends the first GET /time answer of each socket read as soon as it is written. Vert.x flushes what is written during
 * a read only once the whole read is handled (the request's empty last content, any request pipelined behind it), so
 * an answer would wait after its time was read, which moves the reading off the middle of the asker's round trip
 * (issue 10). The answers after the first in one read (a pipelining client) still go out together at Vert.x's flush:
 * a send for each would cost a pipelined answer some 50 % more CPU (issue 14). Outside a read (an answer to a request
 * that waited behind a slower one) Vert.x sends at once by itself.
 */
final class ReadFlush extends ChannelInboundHandlerAdapter {
    private static final String NAME = "timemesh-read-flush";
    private static final AttributeKey<ReadFlush> KEY = AttributeKey.valueOf(NAME);

    /** Whether a socket read is being handled: from its first channelRead to its channelReadComplete. */
    private boolean reading;
    /** Whether an answer was flushed during the current read. */
    private boolean flushed;

    private ReadFlush() {
    }

    /**
     * Adds the read boundary to a socket just accepted, at the socket's end of its pipeline, so that it sees every
     * socket read begin and complete (the handlers put before it later pass both on).
     */
    static void install(Channel channel) {
        ReadFlush boundary = new ReadFlush();
        channel.attr(KEY).set(boundary);
        channel.pipeline().addFirst(NAME, boundary);
    }

    /**
     * Flushes {@code channel} after an answer was written to it during a socket read, unless an answer of the same read
     * was flushed already. Outside a read, or on a channel without the boundary, it does nothing: Vert.x flushes then.
     * Event-loop thread only.
     */
    static void answered(Channel channel) {
        ReadFlush boundary = channel.attr(KEY).get();
        if (boundary != null && boundary.reading && !boundary.flushed) {
            boundary.flushed = true;
            channel.flush();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        flushed = false;
        ctx.fireChannelReadComplete();
    }
}
