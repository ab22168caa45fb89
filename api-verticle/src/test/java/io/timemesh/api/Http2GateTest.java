package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ChannelLimits.Http2Gate}: what an HTTP/2 decoder is handed of one read, before and after a close. */
class Http2GateTest {

    /** Stands for the HTTP/2 decoder: keeps the size of each slice, and closes the channel at the given one. */
    private static final class Decoder extends ChannelInboundHandlerAdapter {
        final List<Integer> slices = new ArrayList<>();
        private final int closeAtSlice;

        Decoder(int closeAtSlice) {
            this.closeAtSlice = closeAtSlice;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf bytes = (ByteBuf) msg;
            slices.add(bytes.readableBytes());
            bytes.release();
            if (slices.size() == closeAtSlice) {
                ctx.close();
            }
        }
    }

    @Test
    void oneReadIsHandedOnInSlicesAndWhatFollowsACloseIsDropped() {
        ByteBuf read = Unpooled.buffer(20_000).writeZero(20_000); // a thousand attack frames in one write
        Decoder decoder = new Decoder(1);
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelLimits.Http2Gate(Decoder.class), decoder);
        channel.writeInbound(read);
        assertThat(decoder.slices).containsExactly(ChannelLimits.HTTP2_SLICE_BYTES);
        assertThat(read.refCnt()).as("the rest of the read released").isZero();
    }

    @Test
    void anOpenConnectionGetsAllOfIt() {
        ByteBuf read = Unpooled.buffer(5_000).writeZero(5_000);
        Decoder decoder = new Decoder(-1);
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelLimits.Http2Gate(Decoder.class), decoder);
        channel.writeInbound(read);
        int slice = ChannelLimits.HTTP2_SLICE_BYTES;
        assertThat(decoder.slices).hasSize((5_000 + slice - 1) / slice).allMatch(n -> n <= slice);
        assertThat(decoder.slices.stream().mapToInt(Integer::intValue).sum()).isEqualTo(5_000);
        assertThat(read.refCnt()).isZero();
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionThatIsNotHttp2GetsEachReadWhole() {
        ByteBuf read = Unpooled.buffer(5_000).writeZero(5_000);
        Decoder decoder = new Decoder(-1);
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelLimits.Http2Gate(Http2ConnectionHandler.class),
                decoder);
        channel.writeInbound(read);
        assertThat(decoder.slices).containsExactly(5_000);
        channel.finishAndReleaseAll();
    }
}
