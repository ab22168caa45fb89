package io.timemesh.core.nts;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * A server's cookie keys (RFC 8915 §6): each cookie carries a client's C2S and S2C keys sealed with
 * AEAD_AES_SIV_CMAC_256 under the current server key, so the server keeps no state per client. The key
 * rotates every {@code rotationNanos}; the previous one still opens the cookies it sealed, so a client's
 * jar outlives one rotation (as chrony keeps its older keys), and a cookie older than that is answered
 * with an NTS NAK. Time is a parameter: no clock of its own.
 *
 * <p>Cookie layout (opaque to clients): key id (4 bytes), nonce (16), then the sealed C2S and S2C keys
 * (16-byte tag + 64), {@value #COOKIE_LENGTH} bytes in all.
 */
public final class NtsServerKeys {
    public static final int COOKIE_LENGTH = 4 + 16 + AesSivCmac256.TAG_LENGTH + 2 * AesSivCmac256.KEY_LENGTH;
    private static final int KEPT = 2;

    private final RandomGenerator random;
    private final long rotationNanos;
    private final Map<Integer, byte[]> keys = new LinkedHashMap<>();
    private int currentId;
    private long rotatedNanos;

    /**
     * @param random        a cryptographically strong source (SecureRandom) for keys and nonces
     * @param rotationNanos how long a key stays current
     * @param nowNanos      the time of the first key
     */
    public NtsServerKeys(RandomGenerator random, long rotationNanos, long nowNanos) {
        if (rotationNanos <= 0) {
            throw new IllegalArgumentException("key rotation interval must be positive, was " + rotationNanos + " ns");
        }
        this.random = random;
        this.rotationNanos = rotationNanos;
        rotate(nowNanos);
    }

    /** Makes a new current key when the current one is due, dropping keys older than the previous one. */
    public synchronized void rotateIfDue(long nowNanos) {
        if (nowNanos - rotatedNanos >= rotationNanos) {
            rotate(nowNanos);
        }
    }

    private void rotate(long nowNanos) {
        byte[] key = new byte[AesSivCmac256.KEY_LENGTH];
        random.nextBytes(key);
        int id;
        do {
            id = random.nextInt();
        } while (keys.containsKey(id));
        keys.put(id, key);
        while (keys.size() > KEPT) {
            keys.remove(keys.keySet().iterator().next());
        }
        currentId = id;
        rotatedNanos = nowNanos;
    }

    /** A fresh cookie holding {@code clientKeys}, sealed under the current key. */
    public synchronized byte[] cookie(NtsKeys clientKeys) {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        byte[] id = ByteBuffer.allocate(4).putInt(currentId).array();
        byte[] plaintext = new byte[2 * AesSivCmac256.KEY_LENGTH];
        System.arraycopy(clientKeys.c2s(), 0, plaintext, 0, AesSivCmac256.KEY_LENGTH);
        System.arraycopy(clientKeys.s2c(), 0, plaintext, AesSivCmac256.KEY_LENGTH, AesSivCmac256.KEY_LENGTH);
        byte[] sealed = AesSivCmac256.seal(keys.get(currentId), plaintext, id, nonce);
        return ByteBuffer.allocate(COOKIE_LENGTH).put(id).put(nonce).put(sealed).array();
    }

    /**
     * The client keys a cookie holds.
     *
     * @return empty for a cookie of another length, under a key no longer kept, or that does not authenticate
     */
    public synchronized Optional<NtsKeys> open(byte[] cookie) {
        if (cookie.length != COOKIE_LENGTH) {
            return Optional.empty();
        }
        byte[] id = Arrays.copyOfRange(cookie, 0, 4);
        byte[] key = keys.get(ByteBuffer.wrap(id).getInt());
        if (key == null) {
            return Optional.empty();
        }
        return AesSivCmac256.open(key, Arrays.copyOfRange(cookie, 20, COOKIE_LENGTH), id, Arrays.copyOfRange(cookie, 4, 20))
                .map(plain -> new NtsKeys(Arrays.copyOfRange(plain, 0, AesSivCmac256.KEY_LENGTH),
                        Arrays.copyOfRange(plain, AesSivCmac256.KEY_LENGTH, 2 * AesSivCmac256.KEY_LENGTH)));
    }
}
