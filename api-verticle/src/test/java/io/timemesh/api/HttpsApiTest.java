package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.time.ManualTimeSource;
import io.timemesh.testkit.TestCertificate;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API over TLS ({@code http.tls}), over real loopback sockets: /time, /status and /metrics answer over
 * HTTPS; plain HTTP to the TLS port is closed unanswered and the port goes on serving; with client certificates
 * required, a client without one (or with one the trust file does not vouch for) is refused; and the listener's
 * limits still hold: the request-head checks above TLS, the head deadline for a socket that never shakes hands,
 * the connection cap once connections have.
 */
class HttpsApiTest {
    private static final long T0 = 1_795_000_000L * 1_000_000_000L;

    @TempDir
    static Path dir;
    private static TestCertificate authority;
    private static TestCertificate server;
    private static TestCertificate client;
    private static TestCertificate stranger;

    private Vertx vertx;
    private ApiVerticle api;
    private int port;

    @BeforeAll
    static void certificates() throws Exception {
        authority = TestCertificate.authority(dir, "api-test");
        server = authority.issue("server", "127.0.0.1");
        client = authority.issue("client", "127.0.0.1");
        stranger = TestCertificate.selfSigned(dir.resolve("stranger"), "127.0.0.1");
    }

    @AfterEach
    void stop() {
        if (vertx != null) {
            vertx.close().await();
        }
    }

    private void start(JsonObject tls) {
        start(tls, new JsonObject());
    }

    /** The API with {@code http} (limits) and its {@code tls} section, with the test's server certificate. */
    private void start(JsonObject tls, JsonObject http) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        api = new ApiVerticle(new ManualTimeSource(T0), new MonotonicReader(),
                TestMesh.node(new ManualTimeSource(T0)), registry);
        vertx = Vertx.vertx();
        vertx.deployVerticle(api, new DeploymentOptions().setConfig(new JsonObject().put("httpHost", "127.0.0.1")
                .put("httpPort", 0).put("selectorTimeoutMillis", 300)
                .put("http", http.put("tls", tls.put("certFile", server.certificate().toString())
                        .put("keyFile", server.key().toString()))))).await();
        port = api.httpPort();
    }

    private HttpResponse<String> get(SSLContext tls, String path) throws Exception {
        HttpClient https = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        return https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void timeStatusAndMetricsAnswerOverHttps() throws Exception {
        start(new JsonObject());
        SSLContext trusting = context(authority.certificate(), null);
        HttpResponse<String> time = get(trusting, "/time");
        assertThat(time.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(time.body()).getString("status")).isEqualTo("UNSYNCHRONIZED");
        // The JDK client sends fields DirectTime leaves to Vert.x; a plain head over TLS is answered below Vert.x.
        try (Socket socket = trusting.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] head = new byte[12];
            new java.io.DataInputStream(socket.getInputStream()).readFully(head);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
        }
        assertThat(api.directAnswers()).as("answered below Vert.x (DirectTime), through TLS").isEqualTo(1);
        HttpResponse<String> status = get(trusting, "/status");
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(status.body()).containsKey("selection")).isTrue();
        HttpResponse<String> metrics = get(trusting, "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("# TYPE");
        // A client that does not trust the node's authority refuses the node.
        assertThatThrownBy(() -> get(context(stranger.certificate(), null), "/time")).isInstanceOf(IOException.class);
    }

    @Test
    void plainHttpToTheTlsPortIsClosedUnansweredAndTheServerGoesOn() throws Exception {
        start(new JsonObject());
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String received = readUntilClosed(socket.getInputStream());
            assertThat(received).as("no HTTP answer in plain text").doesNotContain("HTTP/1.1", "nowNs");
        }
        assertThat(get(context(authority.certificate(), null), "/time").statusCode()).isEqualTo(200);
    }

    @Test
    void requiredClientCertificatesShutOutClientsWithoutOne() throws Exception {
        start(new JsonObject().put("clientAuth", "required").put("trustFile", authority.certificate().toString()));
        assertThat(get(context(authority.certificate(), client), "/time").statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> get(context(authority.certificate(), null), "/time"))
                .as("no client certificate").isInstanceOf(IOException.class);
        assertThatThrownBy(() -> get(context(authority.certificate(), stranger), "/time"))
                .as("a certificate the trust file does not vouch for").isInstanceOf(IOException.class);
    }

    @Test
    void requestedClientCertificatesLetClientsWithoutOneIn() throws Exception {
        start(new JsonObject().put("clientAuth", "request").put("trustFile", authority.certificate().toString()));
        assertThat(get(context(authority.certificate(), null), "/time").statusCode()).isEqualTo(200);
        assertThat(get(context(authority.certificate(), client), "/time").statusCode()).isEqualTo(200);
    }

    @Test
    void theRequestHeadChecksReadRequestsAboveTls() throws Exception {
        start(new JsonObject());
        SSLContext trusting = context(authority.certificate(), null);
        try (SSLSocket socket = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            // A bare CR: Netty alone would wait for an LF forever; the check refuses it at once.
            socket.getOutputStream().write("GET /time HTTP/1.1\rHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String received = readUntilClosed(socket.getInputStream());
            assertThat(received).startsWith("HTTP/1.1 400").contains("a CR not followed by LF");
        }
    }

    @Test
    void aSocketThatNeverFinishesItsHandshakeIsClosedWithinTheHeadDeadline() throws Exception {
        start(new JsonObject(), new JsonObject().put("headerTimeoutMillis", 1_000));
        try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), port)) {
            silent.setSoTimeout(5_000);
            long opened = System.nanoTime();
            assertThat(readUntilClosed(silent.getInputStream())).isEmpty();
            assertThat((System.nanoTime() - opened) / 1_000_000).as("ms until closed").isBetween(500L, 4_000L);
        }
    }

    @Test
    void theConnectionCapHoldsForHandshakenConnections() throws Exception {
        start(new JsonObject(), new JsonObject().put("maxConnections", 4));
        SSLContext trusting = context(authority.certificate(), null);
        List<SSLSocket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                SSLSocket socket = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", port);
                socket.startHandshake();
                idle.add(socket);
            }
            Thread.sleep(500);
            int closed = 0;
            for (SSLSocket socket : idle) {
                socket.setSoTimeout(200);
                try {
                    closed += socket.getInputStream().read() < 0 ? 1 : 0;
                } catch (SocketTimeoutException open) {
                    // still open
                } catch (IOException reset) {
                    closed++;
                }
            }
            assertThat(closed).as("idle TLS connections closed over the cap of 4").isGreaterThanOrEqualTo(8);
            assertThat(get(trusting, "/health/live").statusCode()).isEqualTo(200);
        } finally {
            for (SSLSocket socket : idle) {
                socket.close();
            }
        }
    }

    @Test
    void badTlsSettingsFailTheStartNamingTheKeyAndFile() throws Exception {
        Path notPem = Files.writeString(dir.resolve("not.pem"), "not a certificate");
        vertx = Vertx.vertx();
        ApiVerticle api = new ApiVerticle(new ManualTimeSource(T0), new MonotonicReader(),
                TestMesh.node(new ManualTimeSource(T0)));
        JsonObject tls = new JsonObject().put("certFile", notPem.toString()).put("keyFile", server.key().toString());
        assertThatThrownBy(() -> vertx.deployVerticle(api, new DeploymentOptions().setConfig(new JsonObject()
                .put("httpHost", "127.0.0.1").put("httpPort", 0).put("http", new JsonObject().put("tls", tls)))).await())
                .hasMessageContaining("'http.tls.certFile': " + notPem + " holds no PEM certificate");
    }

    /** Reads what the server sends until it closes the connection (or resets it, or the handshake fails). */
    private static String readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                received.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server neither answered nor closed within 5 s: "
                    + received.toString(StandardCharsets.ISO_8859_1), e);
        } catch (SocketException reset) {
            // closed by a reset: what arrived before it is judged
        }
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    /** An SSL context trusting {@code trusted} (PEM), showing {@code identity}'s certificate when asked, if given. */
    private static SSLContext context(Path trusted, TestCertificate identity) throws Exception {
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(trusted)) {
            trust.setCertificateEntry("trusted", x509.generateCertificate(in));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        KeyManagerFactory keyManagers = null;
        if (identity != null) {
            String pem = Files.readString(identity.key()).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            Certificate certificate = x509.generateCertificate(
                    new ByteArrayInputStream(Files.readAllBytes(identity.certificate())));
            keys.setKeyEntry("me", KeyFactory.getInstance("EC").generatePrivate(
                    new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem))), new char[0], new Certificate[] {certificate});
            keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, new char[0]);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers == null ? null : keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return context;
    }
}
