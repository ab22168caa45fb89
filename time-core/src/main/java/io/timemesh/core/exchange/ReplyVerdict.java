package io.timemesh.core.exchange;

/** What one reply packet amounts to. */
public sealed interface ReplyVerdict {

    record Accepted(NtpSample sample) implements ReplyVerdict {}

    record Rejected(ExchangeFailure failure) implements ReplyVerdict {}
}
