package io.timemesh.client;

/**
 * The node's clock status, as {@code GET /time}'s {@code status} names it: {@code SYNCHRONIZED} with a fresh
 * majority reference; {@code HOLDOVER} without one, the bound still true but growing with age;
 * {@code UNSYNCHRONIZED} before the first reference or once the bound passed its limit (no bounded time).
 */
public enum TimeStatus {
    SYNCHRONIZED, HOLDOVER, UNSYNCHRONIZED
}
