package io.timemesh.sampler.nts;

import io.timemesh.core.nts.AesSivCmac256;
import io.timemesh.core.nts.NtsException;
import io.timemesh.core.nts.NtsKeRecord;
import io.timemesh.core.nts.NtsKeResponse;
import io.timemesh.core.nts.NtsKeys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Vector;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.ServerOnlyTlsAuthentication;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * The client side of NTS-KE (RFC 8915 §4): TLS 1.3 with ALPN "ntske/1" to the KE server, our request,
 * the server's records, and the C2S/S2C keys from the TLS exporter (§5.1). Blocking: callers run it on a
 * worker thread ({@code executeBlocking}), never on an event loop.
 *
 * <p>TLS is BouncyCastle's TLS API over a plain socket: Java 17's JSSE has no keying-material exporter,
 * and BC's JSSE (1.83) allows exporting only from inside its handshake-complete callback, which only the
 * TLS API lets us implement. Its crypto runs on the JDK's JCE providers. The server's chain is checked by
 * the JDK's PKIX trust manager (the JDK trust store, or the PEM file given), and then that the leaf
 * certificate names the host ({@link HostnameCheck}, RFC 8915 §3 and RFC 6125).
 */
public final class NtsKeClient {
    public static final int DEFAULT_KE_PORT = 4460;
    /** RFC 8915 leaves sizes open; a response past this is not a KE server's (chrony's are under 2 KiB). */
    private static final int MAX_RESPONSE_BYTES = 64 * 1024;

    /** Closes a connection at its deadline: a server dripping bytes must not hold a worker thread for longer. */
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "nts-ke-client-deadlines");
        thread.setDaemon(true);
        return thread;
    });

    private final X509TrustManager trust;
    private final SecureRandom random = new SecureRandom();

    private NtsKeClient(X509TrustManager trust) {
        this.trust = trust;
    }

    /**
     * A client trusting the certificates in {@code trustedCertificates} (PEM, one or more), or the JDK's
     * trust store when null.
     *
     * @throws IOException when the file cannot be read or holds no certificate
     */
    public static NtsKeClient trusting(Path trustedCertificates) throws IOException {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trustedCertificates == null ? null : keyStore(trustedCertificates));
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    return new NtsKeClient(x509);
                }
            }
            throw new IOException("the JDK offers no X.509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read trusted certificates for NTS-KE: " + e.getMessage(), e);
        }
    }

    private static KeyStore keyStore(Path pem) throws IOException, GeneralSecurityException {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pem)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certificates.isEmpty()) {
            throw new IOException("no certificate in " + pem);
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (Certificate certificate : certificates) {
            store.setCertificateEntry("trusted-" + i++, certificate);
        }
        return store;
    }

    /** A completed key exchange: the keys and the checked response. */
    public record Result(NtsKeys keys, NtsKeResponse response) {}

    /**
     * Runs NTS-KE with {@code host:port}.
     *
     * @param timeout for the connection, and for the whole exchange after it
     * @throws NtsException with the reason: connection refused or timed out, TLS failure (an untrusted
     *         certificate or one for another name says so), ALPN not agreed, a malformed or refusing response
     */
    public Result exchange(String host, int port, Duration timeout) throws NtsException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String where = "NTS-KE with " + host + ":" + port + ": ";
        Client client = new Client(host);
        Socket socket = new Socket();
        ScheduledFuture<?> deadlineClose = DEADLINES.schedule(() -> closeQuietly(socket), timeout.toNanos(),
                TimeUnit.NANOSECONDS);
        try (socket) {
            socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, timeout.toMillis()));
            socket.setSoTimeout(remainingMillis(deadline));
            TlsClientProtocol tls = new TlsClientProtocol(socket.getInputStream(), socket.getOutputStream());
            try {
                tls.connect(client);
            } catch (TlsFatalAlert e) {
                throw new NtsException(where + "TLS failed: " + (client.certificateFault != null ? client.certificateFault
                        : AlertDescription.getText(e.getAlertDescription())));
            } catch (IOException e) {
                if (e instanceof SocketTimeoutException || System.nanoTime() >= deadline) {
                    throw new SocketTimeoutException(); // reported as the timeout below
                }
                throw new NtsException(where + "TLS failed: " + message(e));
            }
            ProtocolName agreed = client.context().getSecurityParametersConnection().getApplicationProtocol();
            if (agreed == null || !NtsKeRecord.ALPN.equals(agreed.getUtf8Decoding())) {
                throw new NtsException(where + "server did not agree to ALPN " + NtsKeRecord.ALPN);
            }
            OutputStream out = tls.getOutputStream();
            out.write(NtsKeRecord.encode(NtsKeRecord.clientRequest()));
            out.flush();
            byte[] message = readMessage(socket, tls.getInputStream(), deadline);
            tls.close();
            try {
                return new Result(client.keys, NtsKeResponse.of(NtsKeRecord.decodeMessage(message)));
            } catch (NtsException e) {
                throw new NtsException(where + e.getMessage());
            }
        } catch (SocketTimeoutException e) {
            throw new NtsException(where + "timed out after " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            throw new NtsException(where + (System.nanoTime() >= deadline ? "timed out after " + timeout.toMillis()
                    + " ms" : message(e)));
        } finally {
            deadlineClose.cancel(false);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // the exchange fails with its own reason
        }
    }

    /** The TLS 1.3 client: ALPN, SNI for names, our certificate check, and the keys at handshake completion. */
    private final class Client extends DefaultTlsClient {
        private final String host;
        private NtsKeys keys;
        private String certificateFault;

        Client(String host) {
            super(new JcaTlsCryptoProvider().create(random));
            this.host = host;
        }

        org.bouncycastle.tls.TlsClientContext context() {
            return context;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.TLSv13.only();
        }

        @Override
        protected Vector<ProtocolName> getProtocolNames() {
            Vector<ProtocolName> names = new Vector<>();
            names.add(ProtocolName.asUtf8Encoding(NtsKeRecord.ALPN));
            return names;
        }

        @Override
        protected Vector<ServerName> getSNIServerNames() {
            if (HostnameCheck.isAddressLiteral(host)) {
                return null; // RFC 6066 §3: SNI carries names only
            }
            Vector<ServerName> names = new Vector<>();
            names.add(new ServerName(NameType.host_name, host.getBytes(StandardCharsets.US_ASCII)));
            return names;
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new ServerOnlyTlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate server) throws IOException {
                    checkServer(server);
                }
            };
        }

        private void checkServer(TlsServerCertificate server) throws IOException {
            try {
                org.bouncycastle.tls.Certificate chain = server.getCertificate();
                if (chain == null || chain.isEmpty()) {
                    throw new CertificateException("server sent no certificate");
                }
                CertificateFactory factory = CertificateFactory.getInstance("X.509");
                X509Certificate[] certificates = new X509Certificate[chain.getLength()];
                for (int i = 0; i < certificates.length; i++) {
                    certificates[i] = (X509Certificate) factory.generateCertificate(
                            new ByteArrayInputStream(chain.getCertificateAt(i).getEncoded()));
                }
                // TLS 1.3 fixes no key-exchange algorithm to the certificate: the JDK's own TLS 1.3 passes "UNKNOWN".
                trust.checkServerTrusted(certificates, "UNKNOWN");
                HostnameCheck.check(certificates[0], host);
            } catch (CertificateException e) {
                certificateFault = "certificate refused: " + message(e);
                throw new TlsFatalAlert(AlertDescription.bad_certificate, e);
            }
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            // BC allows the exporter (RFC 8446 §7.5) only here.
            keys = new NtsKeys(
                    context.exportKeyingMaterial(NtsKeys.EXPORTER_LABEL, NtsKeys.exporterContext(false),
                            AesSivCmac256.KEY_LENGTH),
                    context.exportKeyingMaterial(NtsKeys.EXPORTER_LABEL, NtsKeys.exporterContext(true),
                            AesSivCmac256.KEY_LENGTH));
        }
    }

    /** Reads records until End of Message, within the deadline and the size limit. */
    private static byte[] readMessage(Socket socket, InputStream in, long deadline) throws IOException, NtsException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        while (true) {
            byte[] bytes = readFully(socket, in, NtsKeRecord.HEADER_LENGTH, deadline);
            NtsKeRecord.Header header = NtsKeRecord.Header.read(bytes, 0);
            if (message.size() + NtsKeRecord.HEADER_LENGTH + header.bodyLength() > MAX_RESPONSE_BYTES) {
                throw new NtsException("NTS-KE response exceeds " + MAX_RESPONSE_BYTES + " bytes");
            }
            message.writeBytes(bytes);
            message.writeBytes(readFully(socket, in, header.bodyLength(), deadline));
            if (header.type() == NtsKeRecord.END_OF_MESSAGE) {
                return message.toByteArray();
            }
        }
    }

    private static byte[] readFully(Socket socket, InputStream in, int length, long deadline)
            throws IOException, NtsException {
        byte[] bytes = new byte[length];
        int read = 0;
        while (read < length) {
            socket.setSoTimeout(remainingMillis(deadline));
            int n = in.read(bytes, read, length - read);
            if (n < 0) {
                throw new NtsException("NTS-KE server closed the connection before End of Message");
            }
            read += n;
        }
        return bytes;
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long remaining = (deadline - System.nanoTime()) / 1_000_000;
        if (remaining <= 0) {
            throw new SocketTimeoutException();
        }
        return (int) Math.min(Integer.MAX_VALUE, remaining);
    }

    /** The exception's message, with its innermost cause's when that says more. */
    private static String message(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String own = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return cause == e || cause.getMessage() == null || own.contains(cause.getMessage()) ? own
                : own + " (" + cause.getMessage() + ")";
    }
}
