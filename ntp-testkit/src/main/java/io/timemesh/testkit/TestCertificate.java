package io.timemesh.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate and its private key (PEM files) for a loopback address, made by {@code openssl} for TLS tests
 * (NTS-KE, the event bus, HTTPS): self-signed, or issued by a test {@linkplain #authority authority}. A missing
 * openssl is an error, never a skip.
 *
 * @param certificate the PEM certificate, with the address as its subject alternative name
 * @param key         the PEM private key (P-256, PKCS#8)
 */
public record TestCertificate(Path certificate, Path key) {
    public static final String OPENSSL = "/usr/bin/openssl";

    /** Makes a certificate for {@code ipAddress} in {@code directory}, valid for two days. */
    public static TestCertificate selfSigned(Path directory, String ipAddress) throws IOException, InterruptedException {
        Files.createDirectories(directory);
        Path certificate = directory.resolve("cert-" + ipAddress + ".pem");
        Path key = directory.resolve("key-" + ipAddress + ".pem");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=" + ipAddress, "-addext", "subjectAltName=IP:" + ipAddress, "-keyout", key.toString(),
                "-out", certificate.toString());
        return new TestCertificate(certificate, key);
    }

    /** Makes a certificate authority named {@code name} in {@code directory} (its certificate is the trust file). */
    public static TestCertificate authority(Path directory, String name) throws IOException, InterruptedException {
        Files.createDirectories(directory);
        Path certificate = directory.resolve(name + "-ca.pem");
        Path key = directory.resolve(name + "-ca-key.pem");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign", "-keyout", key.toString(), "-out", certificate.toString());
        return new TestCertificate(certificate, key);
    }

    /**
     * Makes a certificate named {@code name} for {@code ipAddress}, issued by this authority, for both TLS servers
     * and clients (mutual authentication), valid for two days.
     */
    public TestCertificate issue(String name, String ipAddress) throws IOException, InterruptedException {
        Path directory = certificate.toAbsolutePath().getParent();
        Path request = directory.resolve(name + ".csr");
        Path issued = directory.resolve(name + ".pem");
        Path issuedKey = directory.resolve(name + "-key.pem");
        Path extensions = directory.resolve(name + ".ext");
        Files.writeString(extensions, "subjectAltName=IP:" + ipAddress + "\nextendedKeyUsage=serverAuth,clientAuth\n");
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
                "/CN=" + name, "-keyout", issuedKey.toString(), "-out", request.toString());
        openssl("x509", "-req", "-in", request.toString(), "-CA", certificate.toString(), "-CAkey", key.toString(),
                "-CAcreateserial", "-days", "2", "-extfile", extensions.toString(), "-out", issued.toString());
        return new TestCertificate(issued, issuedKey);
    }

    private static void openssl(String... arguments) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(OPENSSL))) {
            throw new IllegalStateException(OPENSSL + " is missing: install Debian's openssl package");
        }
        List<String> command = new ArrayList<>(List.of(OPENSSL));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("openssl could not make a certificate: " + output);
        }
    }
}
