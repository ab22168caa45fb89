package io.timemesh.core.nts;

/**
 * The two AEAD keys NTS-KE exports from the TLS session (RFC 8915 §5.1): client-to-server and
 * server-to-client, 32 bytes each for AEAD_AES_SIV_CMAC_256.
 */
public record NtsKeys(byte[] c2s, byte[] s2c) {
    /** The TLS exporter label of RFC 8915 §5.1. */
    public static final String EXPORTER_LABEL = "EXPORTER-network-time-security";

    public NtsKeys {
        if (c2s.length != AesSivCmac256.KEY_LENGTH || s2c.length != AesSivCmac256.KEY_LENGTH) {
            throw new IllegalArgumentException("NTS keys must be 32 bytes each");
        }
        c2s = c2s.clone();
        s2c = s2c.clone();
    }

    @Override
    public byte[] c2s() {
        return c2s.clone();
    }

    @Override
    public byte[] s2c() {
        return s2c.clone();
    }

    /**
     * The exporter context of RFC 8915 §5.1: Protocol ID (NTPv4, 0), AEAD id (15), then 0 for C2S or 1 for S2C.
     */
    public static byte[] exporterContext(boolean serverToClient) {
        return new byte[] {0, NtsKeRecord.PROTOCOL_NTPV4, 0, (byte) AesSivCmac256.IANA_ID, (byte) (serverToClient ? 1 : 0)};
    }
}
