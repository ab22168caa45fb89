package io.timemesh.core.message;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;

/**
 * What the selector made of a source at its latest selection, as {@code GET /sources}, the
 * {@code timemesh_source_state} metric, {@code timemesh sources} and every reference's exclusions name it.
 * Each has its wire label (the JSON value) and a one-character symbol for {@code timemesh sources}, after
 * chronyc's source-state column (chrony's {@code sources} doc: {@code *} is the system peer, shown for the
 * selected source that leads the combination).
 */
public enum SourceState {
    /** A truechimer combined into the reference. */
    SELECTED("selected", '+'),
    /** A candidate while there is no majority: it agrees with too few others to be used. */
    CANDIDATE("candidate", '-'),
    /** Outside the interval a majority agrees on (RFC 5905 §11.2.1). */
    FALSETICKER("falseticker", 'x'),
    /** No sample within its allowance (its server silent, or its sampler gone). */
    UNREACHABLE("unreachable", '?'),
    /** Its server sent a kiss-o'-death (DENY, RSTR, …) and it is no longer polled. */
    KISS("kiss", '!'),
    /** Root distance at or above the limit (RFC 5905 §11.2.1, MAXDIST). */
    TOO_DISTANT("too-distant", '~'),
    /** Not yet usable: no sample yet, or the timebase to its sampler still being measured. */
    PENDING("pending", ' '),
    /** Another configured name of a server already counted: one server, one vote. */
    ALIAS("alias", '='),
    /** It smears a leap second while the majority steps it, or the reverse (issue 13 §2). */
    SMEARING("smearing", '%');

    private final String label;
    private final char symbol;

    SourceState(String label, char symbol) {
        this.label = label;
        this.symbol = symbol;
    }

    /** The wire and metric label, e.g. {@code too-distant}. */
    @JsonValue
    public String label() {
        return label;
    }

    /** The one-character column of {@code timemesh sources}. */
    public char symbol() {
        return symbol;
    }

    /**
     * The state with this label.
     *
     * @throws IllegalArgumentException for a label that names no state, listing those that do
     */
    @JsonCreator
    public static SourceState of(String label) {
        for (SourceState state : values()) {
            if (state.label.equals(label)) {
                return state;
            }
        }
        throw new IllegalArgumentException("no source state '" + label + "'; one of " + labels());
    }

    private static final List<String> LABELS = Arrays.stream(values()).map(SourceState::label).toList();

    /** Every label, in declaration order (one unmodifiable list, built once: /sources checks its filter with it). */
    public static List<String> labels() {
        return LABELS;
    }
}
