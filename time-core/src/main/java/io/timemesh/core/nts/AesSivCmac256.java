package io.timemesh.core.nts;

import java.util.Arrays;
import java.util.Optional;
import org.cryptomator.siv.SivMode;
import org.cryptomator.siv.UnauthenticCiphertextException;

/**
 * AEAD_AES_SIV_CMAC_256 (RFC 5297 §5.1, IANA AEAD 15), the algorithm NTS negotiates (RFC 8915 §5.1): a
 * 32-byte key, the first half for S2V (CMAC), the second for CTR; output is the 16-byte synthetic IV
 * followed by the ciphertext. The nonce is the last associated-data component (RFC 5297 §3).
 * Backed by Cryptomator's audited siv-mode.
 */
public final class AesSivCmac256 {
    /** IANA "AEAD Algorithms" number of AEAD_AES_SIV_CMAC_256. */
    public static final int IANA_ID = 15;
    public static final int KEY_LENGTH = 32;
    public static final int TAG_LENGTH = 16;

    private static final SivMode SIV = new SivMode();

    private AesSivCmac256() {}

    /**
     * @param key            32 bytes: S2V key then CTR key
     * @param associatedData the components authenticated but not encrypted, in order (a nonce goes last)
     * @return synthetic IV (16 bytes) followed by the ciphertext (as long as {@code plaintext})
     * @throws IllegalArgumentException for a key that is not 32 bytes
     */
    public static byte[] seal(byte[] key, byte[] plaintext, byte[]... associatedData) {
        checkKey(key);
        return SIV.encrypt(ctrKey(key), macKey(key), plaintext, associatedData);
    }

    /**
     * @return the plaintext, or empty when the ciphertext is shorter than a tag or does not authenticate
     *         under this key and associated data (tampered, or sealed with another key)
     * @throws IllegalArgumentException for a key that is not 32 bytes
     */
    public static Optional<byte[]> open(byte[] key, byte[] ciphertext, byte[]... associatedData) {
        checkKey(key);
        if (ciphertext.length < TAG_LENGTH) {
            return Optional.empty();
        }
        try {
            return Optional.of(SIV.decrypt(ctrKey(key), macKey(key), ciphertext, associatedData));
        } catch (UnauthenticCiphertextException | javax.crypto.IllegalBlockSizeException e) {
            return Optional.empty();
        }
    }

    private static void checkKey(byte[] key) {
        if (key == null || key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("AES-SIV-CMAC-256 needs a 32-byte key, got "
                    + (key == null ? "none" : key.length + " bytes"));
        }
    }

    private static byte[] macKey(byte[] key) {
        return Arrays.copyOfRange(key, 0, KEY_LENGTH / 2);
    }

    private static byte[] ctrKey(byte[] key) {
        return Arrays.copyOfRange(key, KEY_LENGTH / 2, KEY_LENGTH);
    }
}
