package io.timemesh.core.message;

import io.timemesh.core.ntp.LeapIndicator;
import java.util.List;

/**
 * What the selector concluded at one selection: the offset of true time from the selector node's
 * local timescale, and the interval that holds it while fewer than half the candidates lie.
 *
 * @param sequence          increases by one per selection of this selector
 * @param timeNanos         the selector's local time the reference is valid at (every λ aged to here)
 * @param basisNanos        when the newest survivor sample was taken, on the selector's clock: it identifies
 *                          the data behind a reference, and repeats of the same basis carry nothing new
 * @param status            whether a majority agreed
 * @param offsetSeconds     the survivors' offsets combined with weights 1/λ (NaN without a majority)
 * @param lowSeconds        lowest offset any strict majority of candidates covers
 * @param highSeconds       highest offset any strict majority of candidates covers
 * @param rootDistanceSeconds max(offset − low, high − offset): the symmetric bound about the offset
 * @param rootDelaySeconds  the system peer's root delay plus its delay to us
 * @param rootDispersionSeconds rootDistance − rootDelay/2, so the two carry the whole bound on the wire
 * @param regionLowSeconds  the deepest region (Marzullo's answer), low end
 * @param regionHighSeconds the deepest region, high end
 * @param agreeing          how many candidates cover the deepest region
 * @param candidates        how many votes the majority is counted over: every configured server once,
 *                          answering or not (aliases of one address count once)
 * @param stratum           the system peer's stratum, or 16
 * @param systemPeer        the survivor with the least root distance, or null
 * @param survivors         sources that cover the deepest region and were combined
 * @param falsetickers      candidates that do not cover it
 * @param exclusions        every source not combined, with why
 * @param systemPeerAddress the address ("ip:port") the system peer was reached at, for the reference id we
 *                          serve (RFC 5905 §7.3); null without a system peer
 */
public record Reference(
        String selectorNode,
        long sequence,
        long timeNanos,
        long basisNanos,
        Status status,
        double offsetSeconds,
        double lowSeconds,
        double highSeconds,
        double rootDistanceSeconds,
        double rootDelaySeconds,
        double rootDispersionSeconds,
        double regionLowSeconds,
        double regionHighSeconds,
        int agreeing,
        int candidates,
        int stratum,
        LeapIndicator leap,
        String systemPeer,
        List<String> survivors,
        List<String> falsetickers,
        List<Exclusion> exclusions,
        String systemPeerAddress) {

    /** The outcome of one selection. */
    public enum Status {
        /** A strict majority of all configured servers agree: a usable reference. */
        MAJORITY,
        /** Candidates exist but no region is covered by more than half of all configured servers. */
        NO_MAJORITY,
        /** No source has a usable sample. */
        NO_CANDIDATES
    }

    /** Why a source was left out. */
    public record Exclusion(String source, SourceState state, String reason) {}

    public Reference {
        survivors = List.copyOf(survivors);
        falsetickers = List.copyOf(falsetickers);
        exclusions = List.copyOf(exclusions);
    }

    public boolean usable() {
        return status == Status.MAJORITY;
    }
}
