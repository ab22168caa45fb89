package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** {@link ReadFlush}: the first answer of a read is sent at once, the rest of that read's at its end. */
class ReadFlushTest {
    @Test
    void onlyTheFirstAnswerOfAReadIsFlushedEarly() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ReadFlush.install(channel);
        channel.write("first");
        ReadFlush.answered(channel);
        assertThat((String) channel.readOutbound()).as("sent as soon as answered").isEqualTo("first");

        channel.write("pipelined");
        ReadFlush.answered(channel);
        assertThat((Object) channel.readOutbound()).as("a second answer of the same read waits").isNull();

        channel.pipeline().fireChannelReadComplete(); // the read ends (Vert.x flushes then)
        channel.flush();
        assertThat((String) channel.readOutbound()).isEqualTo("pipelined");
        channel.write("next read");
        ReadFlush.answered(channel);
        assertThat((String) channel.readOutbound()).as("the next read's first answer goes at once").isEqualTo("next read");
        channel.finishAndReleaseAll();
    }

    @Test
    void aChannelWithoutTheBoundaryIsLeftToVertxsFlush() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.write("answer");
        ReadFlush.answered(channel);
        assertThat((Object) channel.readOutbound()).isNull();
        channel.finishAndReleaseAll();
    }
}
