package io.timemesh.core.mesh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret every member of a cluster shares: messages and map entries that can move time or state
 * carry an HMAC-SHA256 tag under it (RFC 2104, FIPS 198-1), computed with the JDK's own {@link Mac}
 * rather than code of ours. The key is the key file's contents (white space at either end trimmed), at
 * least {@value #MIN_BYTES} bytes; {@link #generate()} makes one as the base64 of 32 random bytes.
 * Thread-safe.
 */
public final class ClusterKey {
    /** The least key material accepted, in bytes: HMAC-SHA256's output length (RFC 2104 §3). */
    public static final int MIN_BYTES = 32;
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    private ClusterKey(byte[] material) {
        if (material.length < MIN_BYTES) {
            throw new IllegalArgumentException("a cluster key needs at least " + MIN_BYTES + " bytes, this one has "
                    + material.length + "; make one with 'timemesh cluster-key FILE'");
        }
        key = new SecretKeySpec(material, ALGORITHM);
        macs = ThreadLocal.withInitial(this::newMac);
    }

    /**
     * @param material the key bytes
     * @throws IllegalArgumentException when shorter than {@value #MIN_BYTES} bytes
     */
    public static ClusterKey of(byte[] material) {
        return new ClusterKey(material.clone());
    }

    /**
     * Reads a key file.
     *
     * @throws IllegalArgumentException naming the file when it is missing, unreadable or too short
     */
    public static ClusterKey read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("cluster key file " + file + ": no such file; make one with "
                    + "'timemesh cluster-key " + file + "'", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cluster key file " + file + " cannot be read: " + e.getMessage(), e);
        }
        try {
            return new ClusterKey(new String(bytes, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cluster key file " + file + ": " + e.getMessage(), e);
        }
    }

    /** A key of 32 random bytes that nobody else knows: a single node's, whose cluster has no other member. */
    public static ClusterKey random() {
        byte[] material = new byte[MIN_BYTES];
        new SecureRandom().nextBytes(material);
        return new ClusterKey(material);
    }

    /** A new key file's contents: the base64 of 32 bytes from {@link SecureRandom}, 44 characters. */
    public static String generate() {
        byte[] material = new byte[MIN_BYTES];
        new SecureRandom().nextBytes(material);
        return Base64.getEncoder().encodeToString(material);
    }

    /**
     * The tag over {@code parts}, each length-prefixed so that no two different lists of parts share an
     * encoding.
     *
     * @return 32 bytes
     */
    public byte[] tag(String... parts) {
        return macs.get().doFinal(encode(parts));
    }

    /** Whether {@code tag} is the tag over {@code parts}, compared in constant time. */
    public boolean verify(byte[] tag, String... parts) {
        return tag != null && MessageDigest.isEqual(tag(parts), tag);
    }

    private static byte[] encode(String... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String part : parts) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            int n = bytes.length;
            out.write(n >>> 24);
            out.write(n >>> 16);
            out.write(n >>> 8);
            out.write(n);
            out.write(bytes, 0, n);
        }
        return out.toByteArray();
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK offers no " + ALGORITHM, e);
        }
    }

    @Override
    public String toString() {
        return "ClusterKey[" + key.getEncoded().length + " bytes, fingerprint "
                + Base64.getEncoder().encodeToString(Arrays.copyOf(tag("fingerprint"), 6)) + "]";
    }
}
