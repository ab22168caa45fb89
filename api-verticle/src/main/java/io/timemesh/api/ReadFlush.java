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
 * a send for each would cost a pipelined answer some 50 % more CPU (issue 14).
 */
final class ReadFlush extends ChannelInboundHandlerAdapter {
    static final String NAME = "timemesh-read-flush";
    private static final AttributeKey<ReadFlush> KEY = AttributeKey.valueOf(NAME);

    /** Whether an answer was flushed since the last read completed. */
    private boolean flushed;

    private ReadFlush() {
    }

    /** Adds the read boundary to a socket just accepted, first in its pipeline (it only watches reads complete). */
    static void install(Channel channel) {
        ReadFlush boundary = new ReadFlush();
        channel.attr(KEY).set(boundary);
        channel.pipeline().addFirst(NAME, boundary);
    }

    /**
     * Flushes {@code channel} after an answer was written to it, unless an answer of the same read was flushed already
     * or the channel has no read boundary (then Vert.x's flush at the read's end sends it). Event-loop thread only.
     */
    static void answered(Channel channel) {
        ReadFlush boundary = channel.attr(KEY).get();
        if (boundary != null && !boundary.flushed) {
            boundary.flushed = true;
            channel.flush();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushed = false;
        ctx.fireChannelReadComplete();
    }
}
