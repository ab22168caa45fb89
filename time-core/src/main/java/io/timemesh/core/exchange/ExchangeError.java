package io.timemesh.core.exchange;

/** Everything that can keep an exchange from producing a sample, each with the name the CLI and API use. */
public enum ExchangeError {
    TIMEOUT("timeout", "no valid reply in time", false),
    UNKNOWN_HOST("unknown host", "the name does not resolve", false),
    SEND_FAILED("send failed", "the request could not be sent", false),
    MALFORMED("malformed", "reply is not a readable NTP packet", true),
    WRONG_MODE("wrong mode", "reply is not a server (mode 4) packet", true),
    BOGUS_ORIGIN("bogus origin", "reply does not echo our transmit timestamp (spoofed or stale)", true),
    DUPLICATE("duplicate", "reply repeats the server's previous transmit timestamp", true),
    KISS("kiss code", "server sent a kiss-o'-death", false),
    UNSYNCHRONIZED("unsynchronised", "server says it is not synchronised", false),
    BAD_TIMESTAMPS("bad timestamps", "server timestamps are zero or out of order", false),
    BAD_DELAY("bad delay", "round-trip delay is negative or absurd", false),
    TOO_DISTANT("too distant", "root distance at or above the maximum", false),
    /** RFC 8915 §5.7: a source with NTS takes only replies that authenticate and echo our unique identifier. */
    NTS_UNAUTHENTICATED("not authenticated", "NTS source's reply is unauthenticated, tampered or replayed", true),
    NTS_NAK("NTS NAK", "server no longer takes our NTS cookies (kiss code NTSN); NTS-KE runs again", false),
    NTS_KE("NTS-KE failed", "the NTS key exchange (TLS) with the source failed", false);

    private final String label;
    private final String description;
    private final boolean dropOnly;

    ExchangeError(String label, String description, boolean dropOnly) {
        this.label = label;
        this.description = description;
        this.dropOnly = dropOnly;
    }

    /** Short name, e.g. "bogus origin". */
    public String label() {
        return label;
    }

    public String description() {
        return description;
    }

    /**
     * True when the packet alone is discarded and the exchange keeps waiting for the genuine reply:
     * an unauthenticated packet (wrong origin, garbage) must not end an exchange, or anyone on the
     * path could suppress our samples with one forged datagram.
     */
    public boolean dropOnly() {
        return dropOnly;
    }
}
