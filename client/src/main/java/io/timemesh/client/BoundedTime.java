package io.timemesh.client;

/**
 * One answer of a node: the interval holding true time (already widened by the client's round trip) and
 * the node's clock status when it answered, {@link TimeStatus#SYNCHRONIZED} or {@link TimeStatus#HOLDOVER}
 * (an unsynchronised node gives no bounded time: the client fails with {@link TimeUnavailableException}).
 */
public record BoundedTime(TimeInterval interval, TimeStatus status) {
}
