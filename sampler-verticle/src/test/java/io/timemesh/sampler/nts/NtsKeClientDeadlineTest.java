package io.timemesh.sampler.nts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A KE server that drips bytes slower than any read timeout still cannot hold the exchange past its deadline. */
class NtsKeClientDeadlineTest {

    @Test
    void aDrippingServerIsCutOffAtTheDeadline() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.12.13"))) {
            Thread dripper = new Thread(() -> {
                try (Socket client = server.accept(); OutputStream out = client.getOutputStream()) {
                    // A TLS record header that promises a long handshake message, then a byte now and then.
                    out.write(new byte[] {22, 3, 3, 0x40, 0});
                    for (int i = 0; i < 40; i++) {
                        Thread.sleep(250);
                        out.write(0);
                        out.flush();
                    }
                } catch (Exception closed) {
                    // the client hung up, as it should
                }
            });
            dripper.setDaemon(true);
            dripper.start();
            long started = System.nanoTime();
            assertThatThrownBy(() -> NtsKeClient.trusting(null).exchange("127.0.12.13", server.getLocalPort(),
                    Duration.ofMillis(1_500))).hasMessageContaining("timed out after 1500 ms");
            assertThat((System.nanoTime() - started) / 1e9).isLessThan(4.0);
        }
    }
}
