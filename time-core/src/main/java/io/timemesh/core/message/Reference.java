package io.timemesh.core.message;

import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;
import java.util.List;

/**
 * What the selector concluded at one selection: the offset of true time from the selector node's
 * local timescale, and the interval that holds it while fewer than half the candidates lie. A wire type
 * (sealed on the event bus, kept in the cluster's maps); /status writes it with its own field names.
 *
 * @param id            which selection this is, and when
 * @param status        whether a majority agreed
 * @param offsetSeconds the survivors' offsets combined (the selector's estimate), inside {@code interval}; 0
 *                      without a majority
 * @param interval      every offset any strict majority of candidates covers (the hull), s; null without a
 *                      majority. The bound itself: NTP's root fields are derived from it where they are written
 * @param region        the deepest region (Marzullo's answer), s; [0, 0] without candidates
 * @param vote          who was counted and who agreed
 * @param peer          the system peer's NTP fields
 */
public record Reference(
        Identity id,
        Status status,
        double offsetSeconds,
        OffsetInterval interval,
        OffsetInterval region,
        Vote vote,
        Peer peer) {

    /** The outcome of one selection. */
    public enum Status {
        /** A strict majority of all configured servers agree: a usable reference. */
        MAJORITY,
        /** Candidates exist but no region is covered by more than half of all configured servers. */
        NO_MAJORITY,
        /** No source has a usable sample. */
        NO_CANDIDATES
    }

    /**
     * Which selection a reference is.
     *
     * @param selectorNode the node whose selector made it
     * @param sequence     increases by one per selection of this selector
     * @param timeNanos    the selector's local time the reference is valid at (every λ aged to here), ns
     * @param basisNanos   when the newest survivor sample was taken, on the selector's clock, ns: it identifies
     *                     the data behind a reference, and repeats of the same basis carry nothing new
     */
    public record Identity(String selectorNode, long sequence, long timeNanos, long basisNanos) {}

    /**
     * The vote behind a reference.
     *
     * @param agreeing     how many candidates cover the deepest region
     * @param candidates   how many votes the majority is counted over: every configured server once,
     *                     answering or not (aliases of one address count once)
     * @param survivors    sources that cover the deepest region and were combined
     * @param falsetickers candidates that do not cover it
     * @param exclusions   every source not combined, with why
     */
    public record Vote(int agreeing, int candidates, List<String> survivors, List<String> falsetickers,
                       List<Exclusion> exclusions) {
        public Vote {
            survivors = List.copyOf(survivors);
            falsetickers = List.copyOf(falsetickers);
            exclusions = List.copyOf(exclusions);
        }
    }

    /**
     * The system peer's NTP fields, as a server of ours passes them on.
     *
     * @param stratum           the system peer's stratum, or 16
     * @param leap              the leap warning the majority announces
     * @param systemPeer        the survivor with the least root distance, or null
     * @param systemPeerAddress the address ("ip:port") the system peer was reached at, for the reference id we
     *                          serve (RFC 5905 §7.3); null without a system peer
     * @param rootDelaySeconds  the system peer's root delay plus its delay to us, s (0 without one): what NTP's
     *                          root delay is made of, capped where it is written
     *                          ({@link io.timemesh.core.ntp.RootFields})
     */
    public record Peer(int stratum, LeapIndicator leap, String systemPeer, String systemPeerAddress,
                       double rootDelaySeconds) {
        /** No system peer: stratum 16, LI alarm. */
        public static final Peer NONE = new Peer(16, LeapIndicator.ALARM, null, null, 0);
    }

    /** Why a source was left out. */
    public record Exclusion(String source, SourceState state, String reason) {}

    /**
     * @throws IllegalArgumentException when a part is missing, or a reference has an interval without a majority or
     *                                  a majority without one (what a reader of another version would make of it)
     */
    public Reference {
        if (id == null || status == null || region == null || vote == null || peer == null) {
            throw new IllegalArgumentException("a reference needs its id, status, region, vote and peer");
        }
        if ((status == Status.MAJORITY) != (interval != null)) {
            throw new IllegalArgumentException("a reference has an interval exactly when it has a majority, not "
                    + status + " with " + interval);
        }
    }

    public boolean usable() {
        return status == Status.MAJORITY;
    }

    /** λ: how far {@code interval} reaches from the offset either way, s (the symmetric bound); 0 without one. */
    public double rootDistanceSeconds() {
        return interval == null ? 0 : interval.reachFrom(offsetSeconds);
    }
}
