package io.timemesh.api.nts;

import io.timemesh.core.nts.AesSivCmac256;
import io.timemesh.core.nts.NtsException;
import io.timemesh.core.nts.NtsKeAnswer;
import io.timemesh.core.nts.NtsKeRecord;
import io.timemesh.core.nts.NtsKeys;
import io.timemesh.core.nts.NtsServerKeys;
import io.timemesh.api.PemTls;
import io.timemesh.core.settings.SettingException;
import io.timemesh.core.time.TimeSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.interfaces.ECPrivateKey;
import java.util.List;
import java.util.Vector;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.SignatureScheme;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NTS-KE server (RFC 8915 §4): TLS 1.3 with ALPN "ntske/1", the client's request answered by
 * {@link NtsKeAnswer} with cookies from {@link NtsServerKeys} for the keys exported from the session (§5.1).
 * It runs on threads of its own, never on an event loop: an acceptor and a small pool of handlers, each
 * connection limited to {@link #CONNECTION_TIMEOUT_MILLIS} per read, {@link #CONNECTION_DEADLINE_MILLIS} in all
 * and {@link #MAX_REQUEST_BYTES}; when
 * every handler is busy and the queue full, a new connection is closed at once.
 *
 * <p>TLS is BouncyCastle's TLS API for the exporter Java 17's JSSE lacks (see the parent pom). The
 * certificate chain and its private key are PEM files read by {@link PemTls#load} (the key EC P-256 or RSA).
 */
public final class NtsKeServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NtsKeServer.class);
    static final int CONNECTION_TIMEOUT_MILLIS = 5_000;
    /** A client's request is three short records; anything much longer is not one. */
    static final int MAX_REQUEST_BYTES = 1_024;
    /** The longest a connection may take in all: a client dripping bytes must not hold a handler. */
    static final int CONNECTION_DEADLINE_MILLIS = 10_000;
    private static final int HANDLERS = 2;
    private static final int QUEUED = 64;

    private final ServerSocket listener;
    private final ThreadPoolExecutor handlers;
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(
            runnable -> daemon(runnable, "nts-ke-deadlines"));
    private final Credentials credentials;
    private final NtsServerKeys serverKeys;
    private final TimeSource clock;
    private final String ntpServer;
    private final int ntpPort;
    private final JcaTlsCrypto crypto;

    /** The server's certificate chain and private key. */
    private record Credentials(org.bouncycastle.tls.Certificate chain, PrivateKey key, int signatureScheme) {}

    private NtsKeServer(ServerSocket listener, JcaTlsCrypto crypto, Credentials credentials, NtsServerKeys serverKeys,
                        TimeSource clock, String ntpServer, int ntpPort) {
        this.listener = listener;
        this.crypto = crypto;
        this.credentials = credentials;
        this.serverKeys = serverKeys;
        this.clock = clock;
        this.ntpServer = ntpServer;
        this.ntpPort = ntpPort;
        this.handlers = new ThreadPoolExecutor(HANDLERS, HANDLERS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUED), runnable -> daemon(runnable, "nts-ke-handler"));
    }

    /**
     * Starts serving NTS-KE on {@code host:port} (0: any free port).
     *
     * @param ntpServer the host clients are to send NTP to (another node of the cluster), or null for this one
     * @param ntpPort   the port of that NTP server, told to clients when it is not 123
     * @throws IOException when the port cannot be bound, or the certificate or key cannot be read (named)
     */
    public static NtsKeServer start(String host, int port, Path certificate, Path key, NtsServerKeys serverKeys,
                                    TimeSource clock, String ntpServer, int ntpPort) throws IOException {
        JcaTlsCrypto crypto = new JcaTlsCryptoProvider().create(new SecureRandom());
        Credentials credentials = credentials(crypto, certificate, key);
        ServerSocket listener = new ServerSocket(port, 64, InetAddress.getByName(host));
        NtsKeServer started = new NtsKeServer(listener, crypto, credentials, serverKeys, clock, ntpServer, ntpPort);
        daemon(started::accept, "nts-ke-acceptor").start();
        LOG.info("NTS-KE server on {}:{} (NTP at {}:{})", host, started.port(), ntpServer == null ? "this host" : ntpServer,
                ntpPort);
        return started;
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    /**
     * The chain and key as {@link PemTls#load} reads and checks them (named by the {@code ntsServer} settings'
     * {@code certificate} and {@code key}), with the signature scheme the key signs handshakes with.
     */
    private static Credentials credentials(JcaTlsCrypto crypto, Path certificate, Path key) throws IOException {
        PemTls.KeyCert loaded;
        try {
            loaded = PemTls.load("certificate", certificate, "key", key);
        } catch (SettingException e) {
            throw new IOException(e.within("ntsServer").getMessage(), e);
        }
        int scheme = switch (loaded.key().getAlgorithm()) {
            case "EC" -> SignatureScheme.ecdsa_secp256r1_sha256;
            case "RSA" -> SignatureScheme.rsa_pss_rsae_sha256;
            default -> throw new IOException("'ntsServer.key': " + key + " is a " + loaded.key().getAlgorithm()
                    + " key; NTS-KE signs with EC P-256 or RSA keys");
        };
        if (loaded.key() instanceof ECPrivateKey ec && ec.getParams().getCurve().getField().getFieldSize() != 256) {
            throw new IOException("'ntsServer.key': " + key + " is an EC key on a " + ec.getParams().getCurve().getField()
                    .getFieldSize() + "-bit curve; NTS-KE signs with P-256 (ecdsa_secp256r1_sha256)");
        }
        CertificateEntry[] entries = new CertificateEntry[loaded.chain().size()];
        for (int i = 0; i < entries.length; i++) {
            try {
                entries[i] = new CertificateEntry(crypto.createCertificate(loaded.chain().get(i).getEncoded()), null);
            } catch (CertificateEncodingException e) {
                throw new IOException("'ntsServer.certificate': " + certificate + ": " + e.getMessage(), e);
            }
        }
        return new Credentials(new org.bouncycastle.tls.Certificate(new byte[0], entries), loaded.key(), scheme);
    }

    public int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket connection;
            try {
                connection = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                handlers.execute(() -> serve(connection));
            } catch (RejectedExecutionException busy) {
                close(connection);
            }
        }
    }

    private void serve(Socket connection) {
        ScheduledFuture<?> deadline = deadlines.schedule(() -> close(connection), CONNECTION_DEADLINE_MILLIS,
                TimeUnit.MILLISECONDS);
        try (connection) {
            connection.setSoTimeout(CONNECTION_TIMEOUT_MILLIS);
            TlsServerProtocol tls = new TlsServerProtocol(connection.getInputStream(), connection.getOutputStream());
            Server server = new Server();
            tls.accept(server);
            ProtocolName agreed = server.context().getSecurityParametersConnection().getApplicationProtocol();
            if (agreed == null || !NtsKeRecord.ALPN.equals(agreed.getUtf8Decoding())) {
                return; // RFC 8915 §3: only ntske/1
            }
            List<NtsKeRecord> request = NtsKeRecord.decodeMessage(readRequest(tls.getInputStream()));
            serverKeys.rotateIfDue(clock.nowNanos());
            tls.getOutputStream().write(NtsKeRecord.encode(
                    NtsKeAnswer.answer(request, () -> serverKeys.cookie(server.keys), ntpServer, ntpPort)));
            tls.getOutputStream().flush();
            tls.close();
        } catch (IOException | NtsException | RuntimeException e) {
            LOG.debug("NTS-KE with {}: {}", connection.getRemoteSocketAddress(), e.toString());
        } finally {
            deadline.cancel(false);
        }
    }

    /** Reads records up to End of Message, at most {@link #MAX_REQUEST_BYTES}. */
    private static byte[] readRequest(InputStream in) throws IOException, NtsException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        while (true) {
            byte[] header = in.readNBytes(NtsKeRecord.HEADER_LENGTH);
            if (header.length < NtsKeRecord.HEADER_LENGTH) {
                throw new NtsException("NTS-KE request cut short");
            }
            NtsKeRecord.Header read = NtsKeRecord.Header.read(header, 0);
            if (message.size() + header.length + read.bodyLength() > MAX_REQUEST_BYTES) {
                throw new NtsException("NTS-KE request over " + MAX_REQUEST_BYTES + " bytes");
            }
            message.writeBytes(header);
            message.writeBytes(in.readNBytes(read.bodyLength()));
            if (read.type() == NtsKeRecord.END_OF_MESSAGE) {
                return message.toByteArray();
            }
        }
    }

    /** The TLS 1.3 server: ALPN ntske/1, our credentials, and the client's keys at handshake completion. */
    private final class Server extends DefaultTlsServer {
        private NtsKeys keys;

        Server() {
            super(crypto);
        }

        org.bouncycastle.tls.TlsServerContext context() {
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
        public TlsCredentials getCredentials() {
            SignatureAndHashAlgorithm algorithm = SignatureScheme.getSignatureAndHashAlgorithm(credentials.signatureScheme());
            return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, credentials.key(),
                    credentials.chain(), algorithm);
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            keys = new NtsKeys(
                    context.exportKeyingMaterial(NtsKeys.EXPORTER_LABEL, NtsKeys.exporterContext(false),
                            AesSivCmac256.KEY_LENGTH),
                    context.exportKeyingMaterial(NtsKeys.EXPORTER_LABEL, NtsKeys.exporterContext(true),
                            AesSivCmac256.KEY_LENGTH));
        }
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a connection we refuse
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // already closed
        }
        handlers.shutdownNow();
        deadlines.shutdownNow();
    }
}
