package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ReadFlush}: the first answer of a read is sent at once, the rest of that read's at its end. */
class ReadFlushTest {
    /** What reached the handler after the boundary (Vert.x's place): reads, and "complete" for each read's end. */
    private final List<Object> passedOn = new ArrayList<>();
    private EmbeddedChannel channel;

    @BeforeEach
    void channel() {
        channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                passedOn.add(msg);
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                passedOn.add("complete");
            }
        });
        ReadFlush.install(channel);
    }

    @Test
    void onlyTheFirstAnswerOfAReadIsFlushedEarly() {
        channel.pipeline().fireChannelRead("GET /time");
        channel.write("first");
        ReadFlush.answered(channel);
        assertThat((String) channel.readOutbound()).as("sent as soon as answered").isEqualTo("first");

        channel.pipeline().fireChannelRead("GET /time, pipelined");
        channel.write("pipelined");
        ReadFlush.answered(channel);
        assertThat((Object) channel.readOutbound()).as("a second answer of the same read waits").isNull();

        channel.pipeline().fireChannelReadComplete(); // the read ends: Vert.x flushes then
        channel.flush();
        assertThat((String) channel.readOutbound()).isEqualTo("pipelined");
        assertThat(passedOn).as("reads and their end passed on").containsExactly("GET /time", "GET /time, pipelined",
                "complete");

        channel.pipeline().fireChannelRead("GET /time");
        channel.write("next read");
        ReadFlush.answered(channel);
        assertThat((String) channel.readOutbound()).as("the next read's first answer goes at once")
                .isEqualTo("next read");
        channel.finishAndReleaseAll();
    }

    @Test
    void anAnswerOutsideAReadIsLeftToVertxAndTheNextReadsFirstStillGoesAtOnce() {
        channel.write("answer to a request that waited"); // no read in progress: Vert.x flushes at once by itself
        ReadFlush.answered(channel);
        assertThat((Object) channel.readOutbound()).isNull();

        channel.pipeline().fireChannelRead("GET /time");
        channel.write("first of a read");
        ReadFlush.answered(channel);
        assertThat((String) channel.readOutbound()).isEqualTo("answer to a request that waited");
        assertThat((String) channel.readOutbound()).isEqualTo("first of a read");
        channel.finishAndReleaseAll();
    }

    @Test
    void aChannelWithoutTheBoundaryIsLeftToVertxsFlush() {
        EmbeddedChannel bare = new EmbeddedChannel();
        bare.pipeline().fireChannelRead("GET /time");
        bare.write("answer");
        ReadFlush.answered(bare);
        assertThat((Object) bare.readOutbound()).isNull();
        bare.finishAndReleaseAll();
    }
}
