package io.timemesh.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.exchange.ExchangeError;
import io.timemesh.core.exchange.ExchangeFailure;
import org.junit.jupiter.api.Test;

/** The exchange outcome label: a closed set, whatever a server sends as its kiss code. */
class NodeCountersTest {

    private static String outcome(ExchangeError error, String detail) {
        return NodeCounters.exchangeOutcome(new ExchangeFailure(error, detail));
    }

    @Test
    void eachErrorAndEachNamedKissCodeHasItsOutcomeAndAnyOtherCodeIsOther() {
        assertThat(outcome(ExchangeError.TIMEOUT, "no valid reply within 2000 ms")).isEqualTo("timeout");
        assertThat(outcome(ExchangeError.BOGUS_ORIGIN, "")).isEqualTo("bogus_origin");
        assertThat(outcome(ExchangeError.MALFORMED, "version 7")).isEqualTo("malformed");
        assertThat(outcome(ExchangeError.KISS, "RATE")).isEqualTo("kiss_rate");
        assertThat(outcome(ExchangeError.KISS, "DENY")).isEqualTo("kiss_deny");
        assertThat(outcome(ExchangeError.KISS, "RSTR")).isEqualTo("kiss_rstr");
        assertThat(outcome(ExchangeError.KISS, "X\u00e9\"}")).isEqualTo("kiss_other");
        for (ExchangeError error : ExchangeError.values()) {
            assertThat(NodeCounters.exchangeOutcomes()).contains(outcome(error, "ACST"))
                    .allMatch(label -> label.matches("[a-z_]+")).doesNotHaveDuplicates();
        }
        assertThat(NodeCounters.exchangeOutcomes()).contains(NodeCounters.EXCHANGE_OK);
    }
}
