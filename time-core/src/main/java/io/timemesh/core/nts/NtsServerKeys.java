package io.timemesh.core.nts;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
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
 *
 * <p>In a cluster every node seals under keys of its own and opens cookies under the other nodes' keys as
 * well ({@link #own()}, {@link #acceptShared}), so a client may run NTS-KE with one node and send its NTP
 * requests to another. The keys travel wrapped ({@link #wrap}) under a key derived from the cluster key.
 */
public final class NtsServerKeys {
    public static final int COOKIE_LENGTH = 4 + 16 + AesSivCmac256.TAG_LENGTH + 2 * AesSivCmac256.KEY_LENGTH;
    private static final int KEPT = 2;

    private final RandomGenerator random;
    private final long rotationNanos;
    /**
     * This node's keys, oldest first, and the current one's id: replaced whole at a rotation, so that cookies
     * are sealed and opened without a lock (NTP server instances on several event loops share these keys).
     */
    private record Own(Map<Integer, byte[]> keys, int currentId) {}

    private volatile Own own = new Own(Map.of(), 0);
    /** The other nodes' keys, as last shared. */
    private volatile Map<Integer, byte[]> shared = Map.of();
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

    private synchronized void rotate(long nowNanos) {
        byte[] key = new byte[AesSivCmac256.KEY_LENGTH];
        random.nextBytes(key);
        Map<Integer, byte[]> keys = new LinkedHashMap<>(own.keys());
        int id;
        do {
            id = random.nextInt();
        } while (keys.containsKey(id) || shared.containsKey(id));
        keys.put(id, key);
        while (keys.size() > KEPT) {
            keys.remove(keys.keySet().iterator().next());
        }
        own = new Own(Collections.unmodifiableMap(keys), id);
        rotatedNanos = nowNanos;
    }

    /** A fresh cookie holding {@code clientKeys}, sealed under the current key. */
    public byte[] cookie(NtsKeys clientKeys) {
        Own current = own;
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        byte[] id = ByteBuffer.allocate(4).putInt(current.currentId()).array();
        byte[] plaintext = new byte[2 * AesSivCmac256.KEY_LENGTH];
        System.arraycopy(clientKeys.c2s(), 0, plaintext, 0, AesSivCmac256.KEY_LENGTH);
        System.arraycopy(clientKeys.s2c(), 0, plaintext, AesSivCmac256.KEY_LENGTH, AesSivCmac256.KEY_LENGTH);
        byte[] sealed = AesSivCmac256.seal(current.keys().get(current.currentId()), plaintext, id, nonce);
        return ByteBuffer.allocate(COOKIE_LENGTH).put(id).put(nonce).put(sealed).array();
    }

    /** A cookie key by its id, as nodes share them. */
    public record SharedKey(int id, byte[] key) {
        public SharedKey {
            if (key.length != AesSivCmac256.KEY_LENGTH) {
                throw new IllegalArgumentException("a cookie key is 32 bytes, was " + key.length);
            }
            key = key.clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }
    }

    /** This node's keys (current and previous), to share with the other nodes. */
    public List<SharedKey> own() {
        return own.keys().entrySet().stream().map(e -> new SharedKey(e.getKey(), e.getValue())).toList();
    }

    /** The other nodes' keys as they now stand: cookies under them open here too; keys not listed no longer do. */
    public synchronized void acceptShared(Collection<SharedKey> others) {
        Map<Integer, byte[]> next = new HashMap<>();
        Map<Integer, byte[]> mine = own.keys();
        others.stream().filter(k -> !mine.containsKey(k.id())).forEach(k -> next.put(k.id(), k.key()));
        shared = next;
    }

    /** {@code key} sealed under {@code wrapKey} (32 bytes), its id authenticated with it. */
    public static byte[] wrap(byte[] wrapKey, SharedKey key) {
        return AesSivCmac256.seal(wrapKey, key.key(), ByteBuffer.allocate(4).putInt(key.id()).array());
    }

    /** The key {@link #wrap} sealed, or empty when it does not open under {@code wrapKey} with that id. */
    public static Optional<SharedKey> unwrap(byte[] wrapKey, int id, byte[] wrapped) {
        return AesSivCmac256.open(wrapKey, wrapped, ByteBuffer.allocate(4).putInt(id).array())
                .filter(key -> key.length == AesSivCmac256.KEY_LENGTH).map(key -> new SharedKey(id, key));
    }

    /**
     * The client keys a cookie holds.
     *
     * @return empty for a cookie of another length, under a key no longer kept, or that does not authenticate
     */
    public Optional<NtsKeys> open(byte[] cookie) {
        if (cookie.length != COOKIE_LENGTH) {
            return Optional.empty();
        }
        byte[] id = Arrays.copyOfRange(cookie, 0, 4);
        int keyId = ByteBuffer.wrap(id).getInt();
        byte[] key = own.keys().getOrDefault(keyId, shared.get(keyId));
        if (key == null) {
            return Optional.empty();
        }
        return AesSivCmac256.open(key, Arrays.copyOfRange(cookie, 20, COOKIE_LENGTH), id, Arrays.copyOfRange(cookie, 4, 20))
                .map(plain -> new NtsKeys(Arrays.copyOfRange(plain, 0, AesSivCmac256.KEY_LENGTH),
                        Arrays.copyOfRange(plain, AesSivCmac256.KEY_LENGTH, 2 * AesSivCmac256.KEY_LENGTH)));
    }
}
