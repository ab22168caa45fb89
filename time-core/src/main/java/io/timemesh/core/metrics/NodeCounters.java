package io.timemesh.core.metrics;

import io.timemesh.core.exchange.ExchangeError;
import io.timemesh.core.exchange.ExchangeFailure;
import io.timemesh.core.message.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The events a node counts, told by the verticles where each happens: NTP requests served, exchanges with
 * sources, clock steps and selections. Kept free of any metrics library so the verticle modules need none;
 * the node backs it with its Prometheus registry once and hands it to every verticle that counts. Every label
 * takes its values from a closed set (but a falseticker's source, which is one of the configured sources), so
 * nothing a client or a server sends can add series. Called on event loops and on the NTP server's threads at once:
 * implementations must be thread-safe and must not block.
 */
public interface NodeCounters {

    /** Counts nothing: for verticles deployed without a registry (tests, tools). */
    NodeCounters NONE = new NodeCounters() {
        @Override
        public void ntpRequest(NtpOutcome outcome) {
        }

        @Override
        public void ntpRequests(NtpOutcome outcome, long count) {
        }

        @Override
        public void exchange(String outcome) {
        }

        @Override
        public void clockStep(boolean forward) {
        }

        @Override
        public void selection(Reference reference) {
        }
    };

    /** What became of one NTP request the server read, as {@code outcome} and {@code reason} labels. */
    enum NtpOutcome {
        /** Answered with time. */
        ANSWERED("answered", "served"),
        /** Over its client's rate limit and answered with a kiss-o'-death RATE. */
        RATE_LIMITED_KISS("rate_limited", "kiss_of_death"),
        /** Over its client's rate limit and not answered. */
        RATE_LIMITED_DROPPED("rate_limited", "dropped"),
        /**
         * Dropped by the kernel unread: mostly a full receive queue (the server is overloaded), also a bad checksum
         * found when read, and memory pressure (the socket's kernel drop count).
         */
        OVERLOADED("dropped", "overloaded"),
        /** Not a readable NTP header (short, a version outside 1..4, bad extension fields). */
        MALFORMED("dropped", "malformed"),
        /** A mode a server does not answer: control (6), private (7), server, broadcast, or mode 0 after NTPv1. */
        UNANSWERED_MODE("dropped", "unanswered_mode"),
        /** An NTS request whose cookie could not be opened: answered with an NTS NAK (RFC 8915 §5.7). */
        NTS_NAK("answered", "nts_nak"),
        /** An NTS request that did not authenticate: not answered. */
        NTS_REFUSED("dropped", "nts_unauthenticated");

        private final String outcome;
        private final String reason;

        NtpOutcome(String outcome, String reason) {
            this.outcome = outcome;
            this.reason = reason;
        }

        /** answered, rate_limited or dropped. */
        public String outcome() {
            return outcome;
        }

        /** Why, within the outcome. */
        public String reason() {
            return reason;
        }
    }

    /** The {@code outcome} label of an exchange that gave a sample. */
    String EXCHANGE_OK = "ok";
    /** The kiss codes named in the {@code outcome} label (RFC 5905 §7.4); any other is {@code kiss_other}. */
    Set<String> KISS_CODES_NAMED = Set.of("RATE", "DENY", "RSTR");

    /**
     * The {@code outcome} label of an exchange that ended in {@code failure}: the error's label in snake case
     * ({@code timeout}, {@code bogus_origin}, {@code malformed}, …), and for a kiss-o'-death {@code kiss_rate},
     * {@code kiss_deny}, {@code kiss_rstr} or {@code kiss_other}. One of {@link #exchangeOutcomes()}.
     */
    static String exchangeOutcome(ExchangeFailure failure) {
        if (failure.error() == ExchangeError.KISS) {
            String code = failure.detail().trim();
            return "kiss_" + (KISS_CODES_NAMED.contains(code) ? code.toLowerCase(Locale.ROOT) : "other");
        }
        return snake(failure.error());
    }

    /** Every value {@link #exchangeOutcome} and {@link #EXCHANGE_OK} can take. */
    static List<String> exchangeOutcomes() {
        List<String> all = new ArrayList<>(List.of(EXCHANGE_OK, "kiss_rate", "kiss_deny", "kiss_rstr", "kiss_other"));
        for (ExchangeError error : ExchangeError.values()) {
            if (error != ExchangeError.KISS) {
                all.add(snake(error));
            }
        }
        return all;
    }

    private static String snake(ExchangeError error) {
        return error.label().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_"); // "NTS-KE failed": nts_ke_failed
    }

    /** One NTP request read by the server, and what became of it. */
    void ntpRequest(NtpOutcome outcome);

    /** {@code count} NTP requests with one outcome, counted together (the kernel's drops, read in bulk). */
    void ntpRequests(NtpOutcome outcome, long count);

    /** One exchange with a source ended; {@code outcome} is {@link #EXCHANGE_OK} or an {@link #exchangeOutcome}. */
    void exchange(String outcome);

    /** The discipline stepped the clock (rather than slewing it), forward or backward. */
    void clockStep(boolean forward);

    /** The leading selector made {@code reference}: one selection, and a falseticker verdict per falseticker. */
    void selection(Reference reference);
}
