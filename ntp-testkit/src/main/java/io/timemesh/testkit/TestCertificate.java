package io.timemesh.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate and its private key (PEM files) for a loopback address, made by
 * {@code openssl} for TLS tests (NTS-KE). A missing openssl is an error, never a skip.
 *
 * @param certificate the PEM certificate, with the address as its subject alternative name
 * @param key         the PEM private key (P-256)
 */
public record TestCertificate(Path certificate, Path key) {
    public static final String OPENSSL = "/usr/bin/openssl";

    /** Makes a certificate for {@code ipAddress} in {@code directory}, valid for two days. */
    public static TestCertificate selfSigned(Path directory, String ipAddress) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(OPENSSL))) {
            throw new IllegalStateException(OPENSSL + " is missing: install Debian's openssl package");
        }
        Files.createDirectories(directory);
        Path certificate = directory.resolve("cert-" + ipAddress + ".pem");
        Path key = directory.resolve("key-" + ipAddress + ".pem");
        Process process = new ProcessBuilder(OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=" + ipAddress,
                "-addext", "subjectAltName=IP:" + ipAddress, "-keyout", key.toString(), "-out", certificate.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("openssl could not make a certificate: " + output);
        }
        return new TestCertificate(certificate, key);
    }
}
