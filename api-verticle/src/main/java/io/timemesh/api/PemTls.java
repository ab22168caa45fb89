package io.timemesh.api;

import io.timemesh.core.settings.SettingException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * A TLS endpoint's PEM files (a certificate chain, its private key, and the certificates it trusts), checked before
 * anything starts and handed to Vert.x as its key and trust options: used for the event bus ({@code cluster.tls})
 * and the HTTP API ({@code http.tls}). The key is read by Vert.x's own PEM reader (PKCS#8, and PKCS#1 RSA or SEC1
 * EC keys, unencrypted), so what passes the check is what Vert.x loads.
 */
public final class PemTls {
    private static final String PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

    private PemTls() {}

    /**
     * A certificate chain and its private key, read and checked by {@link #load}.
     *
     * @param chain the certificates, this endpoint's first (at least one)
     * @param key   the private key of {@code chain}'s first certificate
     */
    public record KeyCert(List<X509Certificate> chain, PrivateKey key) {}

    /**
     * Checks that the files are there, readable and PEM, and that the key is the certificate's: it signs a random
     * message that the certificate's public key verifies (a key that does not match would only fail each handshake).
     *
     * @param certFile  PEM certificate chain, this endpoint's certificate first
     * @param keyFile   its unencrypted PEM private key
     * @param trustFile PEM certificates of the peers (or their authorities) to trust, or null for none
     * @throws SettingException naming the key ({@code certFile}, {@code keyFile} or {@code trustFile}; callers put it
     *                          {@linkplain SettingException#within within} their section) and the file: missing,
     *                          unreadable, not PEM, or (the key) not matching the certificate
     */
    public static void check(Path certFile, Path keyFile, Path trustFile) {
        load("certFile", certFile, "keyFile", keyFile);
        if (trustFile != null) {
            certificates("trustFile", trustFile, read("trustFile", trustFile));
        }
    }

    /**
     * Reads a certificate chain and its private key, checked as {@link #check} does, for a TLS stack other than
     * Vert.x's (NTS-KE's BouncyCastle TLS).
     *
     * @param certKey  the setting that names {@code certFile}, for errors
     * @param certFile PEM certificate chain, this endpoint's certificate first
     * @param keyKey   the setting that names {@code keyFile}, for errors
     * @param keyFile  its unencrypted PEM private key (PKCS#8, or PKCS#1 RSA or SEC1 EC)
     * @return the chain and the key
     * @throws SettingException naming {@code certKey} or {@code keyKey} and the file: missing, unreadable, not PEM, or
     *                          (the key) not matching the certificate
     */
    public static KeyCert load(String certKey, Path certFile, String keyKey, Path keyFile) {
        byte[] chainPem = read(certKey, certFile);
        List<X509Certificate> chain = certificates(certKey, certFile, chainPem).stream()
                .map(X509Certificate.class::cast).toList();
        byte[] keyPem = read(keyKey, keyFile);
        PrivateKey key;
        try {
            PemKeyCertOptions options = new PemKeyCertOptions().setCertValue(Buffer.buffer(chainPem))
                    .setKeyValue(Buffer.buffer(keyPem));
            KeyStore store = options.loadKeyStore(null);
            X509KeyManager manager = null;
            for (KeyManager each : options.getKeyManagerFactory(null).getKeyManagers()) {
                if (each instanceof X509KeyManager x509) {
                    manager = x509;
                }
            }
            key = manager == null ? null : manager.getPrivateKey(Collections.list(store.aliases()).get(0));
        } catch (Exception e) { // Vert.x's reader throws RuntimeException and VertxException alike
            throw SettingException.of(keyKey, keyFile + " is not a PEM private key Vert.x can read: "
                    + e.getMessage());
        }
        if (key == null || !signsFor(key, chain.get(0))) {
            throw SettingException.of(keyKey, keyFile + " is not the private key of the certificate in " + certFile
                    + " (" + chain.get(0).getSubjectX500Principal().getName() + ")");
        }
        return new KeyCert(chain, key);
    }

    /** Vert.x's key and certificate options for the files ({@link #check} them first). */
    public static PemKeyCertOptions keyCert(Path certFile, Path keyFile) {
        return new PemKeyCertOptions().setCertPath(certFile.toString()).setKeyPath(keyFile.toString());
    }

    /** Vert.x's trust options for the file ({@link #check} it first). */
    public static PemTrustOptions trust(Path trustFile) {
        return new PemTrustOptions().addCertPath(trustFile.toString());
    }

    private static byte[] read(String key, Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw SettingException.of(key, file + ": no such file");
        } catch (AccessDeniedException e) {
            throw SettingException.of(key, file + " cannot be read: permission denied");
        } catch (IOException e) {
            throw SettingException.of(key, file + " cannot be read: " + e);
        }
    }

    /** The PEM certificates in a file: at least one, and nothing else that claims to be one. */
    private static Collection<? extends Certificate> certificates(String key, Path file, byte[] pem) {
        if (!new String(pem, StandardCharsets.US_ASCII).contains(PEM_CERTIFICATE)) {
            throw SettingException.of(key, file + " holds no PEM certificate: no '" + PEM_CERTIFICATE + "' line");
        }
        try {
            Collection<? extends Certificate> found =
                    CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
            if (found.isEmpty()) {
                throw SettingException.of(key, file + " holds no PEM certificate: no '" + PEM_CERTIFICATE + "' line");
            }
            return found;
        } catch (GeneralSecurityException e) {
            throw SettingException.of(key, file + " is not a readable PEM certificate: " + e.getMessage());
        }
    }

    /** Whether {@code key} signs what the certificate's public key verifies. */
    private static boolean signsFor(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448: the key's algorithm is its signature's
        };
        try {
            byte[] message = new byte[32];
            new SecureRandom().nextBytes(message);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(message);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(message);
            return verifier.verify(signature);
        } catch (GeneralSecurityException mismatched) { // e.g. an EC key for an RSA certificate
            return false;
        }
    }
}
