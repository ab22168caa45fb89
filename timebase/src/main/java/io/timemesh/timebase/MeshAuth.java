package io.timemesh.timebase;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.mesh.Freshness;
import io.timemesh.core.time.TimeSource;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates what cluster members tell each other. Every event-bus message that can move time or
 * state (samples, source faults, references, timebase probes and replies) travels sealed:
 * {@code {"from": node, "ctr": n, "body": "<JSON text>", "mac": "<base64>"}}, where the MAC is
 * HMAC-SHA256 under the {@link ClusterKey} over the address, the sender, its counter and the body, so
 * a message is bound to where it was sent and who sent it, and a receiver's {@link Freshness} refuses
 * it a second time. Cluster-map values (selector and poller state, leases, claims) are sealed the
 * same way over the map's name and key instead of an address, with a counter too: a reader refuses a
 * value older than one it has read from the same writer under the same key, so an old genuine value
 * put back by an uninvited member is refused as a replay. Anything that fails is dropped, counted
 * by channel and reason, and logged at most once per {@value #LOG_EVERY_SECONDS} s per kind.
 *
 * <p>Open-source Hazelcast cannot authenticate members, so this is what keeps an uninvited member
 * from moving anyone's time: it can delete or overwrite map entries and answer on any address, but
 * not produce anything a member will take. Without a key ({@link #insecure}) nothing is sealed or
 * checked: every member must then be trusted. Thread-safe; one per node.
 */
public final class MeshAuth {
    private static final Logger LOG = LoggerFactory.getLogger(MeshAuth.class);
    private static final long LOG_EVERY_SECONDS = 10;
    /** Senders a receiver remembers: far more than any cluster's members. */
    private static final int SENDERS_REMEMBERED = 4096;
    /** (map, key, writer) triples a node remembers: a sampler lease and claim per source, plus a few. */
    private static final int VALUES_REMEMBERED = 65_536;

    /** Why a message or map value was refused. */
    public enum Rejection {
        /** Not an envelope at all, or its body is not JSON. */
        MALFORMED("malformed"),
        /** No MAC where the cluster has a key. */
        UNSIGNED("unsigned"),
        /** A MAC that is not the key's over this address, sender, counter and body. */
        FORGED("forged"),
        /** Genuine, but already taken (or older than one taken): a replay. */
        REPLAYED("replayed"),
        /** A genuine reply from another node than the one asked, or to another request. */
        MISDIRECTED("misdirected"),
        /** A genuine reference from a leadership older than the one followed. */
        STALE_EPOCH("stale-epoch"),
        /** A genuine reference from a second selector claiming the epoch followed. */
        EPOCH_CONFLICT("epoch-conflict"),
        /**
         * A request of ours (a timebase probe) that nobody answered in time: its node gone or stalled, or a
         * member that takes the node's requests off the event bus and never answers (a diversion).
         */
        UNANSWERED("unanswered");

        private final String label;

        Rejection(String label) {
            this.label = label;
        }

        /** The metric label and log word. */
        public String label() {
            return label;
        }
    }

    /**
     * An authenticated message or map value: who sealed it, what it says, and its counter (which only
     * grows for one sender, so a reader can tell whether a stored value is being renewed).
     */
    public record Opened(String sender, JsonObject body, long counter) {}

    /** A message's sender, its body read as a {@code T}, and its counter. */
    public record Typed<T>(String sender, T body, long counter) {}

    /** A genuine envelope's parts, its body still text. */
    private record Sealed(String sender, String text, long counter) {}

    private final String node;
    private final ClusterKey key;
    private final TimeSource clock;
    /** Map values' counter. */
    private final AtomicLong counter = new AtomicLong();
    /**
     * Messages' counters, one per address (receivers keep freshness per address): so a window of
     * reordering on one address is not used up by what this node sends elsewhere.
     */
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    private final long firstCounter;
    private final Freshness values = new Freshness(VALUES_REMEMBERED);
    private final Map<String, LongAdder> rejections = new ConcurrentHashMap<>();
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();
    private volatile BiConsumer<String, Rejection> listener = (channel, reason) -> { };

    private MeshAuth(String node, ClusterKey key, TimeSource clock) {
        this.node = node;
        this.key = key;
        this.clock = clock;
        // Counters start at the wall clock in microseconds, so that a restarted process under the same
        // name (names carry an incarnation, but a test may reuse one) starts above its predecessor.
        firstCounter = System.currentTimeMillis() * 1_000;
        counter.set(firstCounter);
    }

    /**
     * @param node  this node's name (with its incarnation), the sender of everything it seals
     * @param key   the cluster key
     * @param clock this node's local timescale (for the log's rate limit only)
     */
    public static MeshAuth keyed(String node, ClusterKey key, TimeSource clock) {
        return new MeshAuth(node, key, clock);
    }

    /** No MACs at all (an explicitly insecure cluster, or a benchmark's baseline): every member is trusted. */
    public static MeshAuth insecure(String node, TimeSource clock) {
        return new MeshAuth(node, null, clock);
    }

    public String node() {
        return node;
    }

    /** Whether messages are sealed and checked. */
    public boolean authenticated() {
        return key != null;
    }

    /** Told of every rejection (channel, reason): for metrics. Replaces the previous listener. */
    public void onRejection(BiConsumer<String, Rejection> listener) {
        this.listener = listener;
    }

    /** The envelope for {@code body} sent to {@code address}; every call takes a new counter (per address). */
    public JsonObject seal(String address, JsonObject body) {
        long ctr = counters.computeIfAbsent(address, a -> new AtomicLong(firstCounter)).incrementAndGet();
        String text = body.encode();
        JsonObject envelope = new JsonObject().put("from", node).put("ctr", ctr).put("body", text);
        return key == null ? envelope : envelope.put("mac", tag(bus(address).parts(node, ctr, text)));
    }

    /**
     * Seals {@code body} for {@code address} and publishes it on {@code bus}. Vert.x 5.0.8's clustered
     * publish can throw {@link IllegalStateException} ("Promise already completed") when its write to one
     * member fails just after a TLS handshake that member then refuses; the members after it miss that one
     * message. That is logged (at a bounded rate) instead of thrown into the caller, whose work after the
     * publish (the next selection, the next poll) must go on.
     */
    public void publish(EventBus bus, String address, JsonObject body) {
        try {
            bus.publish(address, seal(address, body));
        } catch (IllegalStateException e) {
            long now = clock.nowNanos();
            Long last = lastLogged.get("publish " + address);
            if (last == null || now - last >= LOG_EVERY_SECONDS * 1_000_000_000L) {
                lastLogged.put("publish " + address, now);
                LOG.warn("publishing on {} failed for some members: {}", address, e.getMessage());
            }
        }
    }

    /**
     * A receiver of {@code address} with freshness of its own (each consumer of an address needs one),
     * taking each sender's messages in the order sealed only.
     */
    public Inbox inbox(String address) {
        return new Inbox(address, address, 1);
    }

    /**
     * A receiver of {@code address}, counted under {@code channel}, that also takes messages up to
     * {@code window − 1} behind a sender's newest, once each: for requests that several verticles of one
     * node seal concurrently (see {@link Freshness}).
     */
    public Inbox inbox(String address, String channel, int window) {
        return new Inbox(address, channel, window);
    }

    /** Receives sealed messages on one address. */
    public final class Inbox {
        private final String address;
        private final String channel;
        private final Freshness freshness;

        private Inbox(String address, String channel, int window) {
            this.address = address;
            this.channel = channel;
            this.freshness = new Freshness(SENDERS_REMEMBERED, window);
        }

        /** The message's sender and body if it is authentic and fresh; otherwise empty, counted and logged. */
        public Optional<Opened> open(Object message) {
            Optional<Opened> opened = verify(channel, message, bus(address));
            if (opened.isEmpty()) {
                return opened;
            }
            return fresh(opened.get().sender(), opened.get().counter()) ? opened : Optional.empty();
        }

        /** Whether {@code counter} is above every counter seen from {@code sender}; if not, counted as a replay. */
        private boolean fresh(String sender, long counter) {
            if (freshness.advance(sender, counter)) {
                return true;
            }
            reject(channel, Rejection.REPLAYED, "from " + sender + ", counter " + counter);
            return false;
        }

        /**
         * As {@link #open(Object)}, the body read straight into a {@code type} by Vert.x's Jackson mapper, with no
         * {@link JsonObject} in between (for a large body, building its maps cost as much again as reading it).
         * A body that is no {@code type} is refused as malformed, once counted as seen.
         */
        public <T> Optional<Typed<T>> open(Object message, Class<T> type) {
            Optional<Sealed> sealed = check(channel, message, bus(address));
            if (sealed.isEmpty()) {
                return Optional.empty();
            }
            String sender = sealed.get().sender();
            long ctr = sealed.get().counter();
            if (!fresh(sender, ctr)) {
                return Optional.empty();
            }
            try {
                T body = Json.decodeValue(sealed.get().text(), type);
                if (body == null) {
                    throw new IllegalArgumentException("no body");
                }
                return Optional.of(new Typed<>(sender, body, ctr));
            } catch (DecodeException | IllegalArgumentException e) {
                reject(channel, Rejection.MALFORMED, "from " + sender + ": " + e.getMessage());
                return Optional.empty();
            }
        }
    }

    /**
     * A reply to a request on {@code address}: authentic, from {@code expectedSender} (null: any member),
     * and carrying the request's {@code nonce} (the body's "nonce"), which makes it fresh. Its body, or
     * empty when refused (counted under {@code channel} and logged).
     */
    public Optional<JsonObject> openReply(String address, String channel, String expectedSender, long nonce,
                                          Object message) {
        Optional<Opened> opened = verify(channel, message, bus(address));
        if (opened.isEmpty()) {
            return Optional.empty();
        }
        JsonObject body = opened.get().body();
        if ((expectedSender != null && !expectedSender.equals(opened.get().sender()))
                || !(body.getValue("nonce") instanceof Number n && n.longValue() == nonce)) {
            reject(channel, Rejection.MISDIRECTED, "from " + opened.get().sender() + " for " + expectedSender);
            return Optional.empty();
        }
        return Optional.of(body);
    }

    /**
     * The counter of the last map value this node sealed: every value it seals after this call has a
     * higher one (one counter for all its map values), so a writer can name a floor in a later value.
     */
    public long valueCounter() {
        return counter.get();
    }

    /**
     * A cluster-map value for {@code map}/{@code mapKey}; every call takes a new counter, so a writer
     * that wants to compare-and-set or remove its value later keeps the string returned.
     */
    public String sealValue(String map, String mapKey, JsonObject value) {
        return sealValueText(map, mapKey, value.encode());
    }

    /**
     * As {@link #sealValue(String, String, JsonObject)}, for a value its caller encoded (as a large value
     * whose parts it keeps encoded); {@code text} must be a JSON object's text, as readers open it as one.
     */
    public String sealValueText(String map, String mapKey, String text) {
        return seal(map, mapKey, text).value();
    }

    /**
     * As {@link #sealValue(String, String, JsonObject)}, with the counter the value was sealed under, for a writer that
     * names its latest value in later ones (others may seal meanwhile, so {@link #valueCounter()} after the call may be
     * higher).
     */
    public SealedValue sealValueCounted(String map, String mapKey, JsonObject value) {
        return seal(map, mapKey, value.encode());
    }

    /** A sealed map value and the counter it was sealed under. */
    public record SealedValue(String value, long counter) {}

    private SealedValue seal(String map, String mapKey, String text) {
        long ctr = counter.incrementAndGet();
        values.notBehind(map + '\n' + mapKey + '\n' + node, ctr); // our own older values are old to us too
        JsonObject envelope = new JsonObject().put("from", node).put("ctr", ctr).put("body", text);
        return new SealedValue((key == null ? envelope
                : envelope.put("mac", tag(map(map, mapKey).parts(node, ctr, text)))).encode(), ctr);
    }

    /**
     * The value's writer and body if it is authentic and not older than a value this node has read from
     * the same writer under the same key; otherwise empty, counted and logged ({@link Rejection#REPLAYED}
     * for an old one). Null is absent.
     */
    public Optional<Opened> openValue(String map, String mapKey, String stored) {
        if (stored == null) {
            return Optional.empty();
        }
        JsonObject envelope;
        try {
            envelope = new JsonObject(stored);
        } catch (DecodeException e) {
            reject(map, Rejection.MALFORMED, "value of " + mapKey + " is not JSON");
            return Optional.empty();
        }
        Optional<Opened> opened = verify(map, envelope, map(map, mapKey));
        if (opened.isPresent() && !values.notBehind(map + '\n' + mapKey + '\n' + opened.get().sender(),
                opened.get().counter())) {
            reject(map, Rejection.REPLAYED, "value of " + mapKey + " from " + opened.get().sender() + ", counter "
                    + opened.get().counter());
            return Optional.empty();
        }
        return opened;
    }

    /**
     * The value's body if this node sealed it itself for {@code map}/{@code mapKey} (its MAC verifies under the key, and
     * its sender is this node), however old; otherwise empty, and nothing is counted: a writer that finds one of its own
     * values in the map, landed after a later one was sealed (a slow compare-and-set), knows it as its own rather than
     * as a replay. Anything else is for {@link #openValue}, which counts what it refuses.
     */
    public Optional<Opened> openOwnValue(String map, String mapKey, String stored) {
        if (stored == null) {
            return Optional.empty();
        }
        try {
            JsonObject envelope = new JsonObject(stored);
            if (!node.equals(envelope.getValue("from")) || !(envelope.getValue("body") instanceof String text)
                    || !(envelope.getValue("ctr") instanceof Number ctr)) {
                return Optional.empty();
            }
            if (key != null && !(envelope.getValue("mac") instanceof String mac
                    && key.verify(decode(mac), map(map, mapKey).parts(node, ctr.longValue(), text)))) {
                return Optional.empty();
            }
            return Optional.of(new Opened(node, new JsonObject(text), ctr.longValue()));
        } catch (DecodeException e) {
            return Optional.empty();
        }
    }

    /** What a MAC covers besides the body: where the value was sent or stored, who sealed it, its counter. */
    @FunctionalInterface
    private interface Scope {
        String[] parts(String from, long ctr, String body);
    }

    private static Scope bus(String address) {
        return (from, ctr, body) -> new String[] {"bus", address, from, Long.toString(ctr), body};
    }

    private static Scope map(String map, String mapKey) {
        return (from, ctr, body) -> new String[] {"map", map, mapKey, from, Long.toString(ctr), body};
    }

    /** The envelope's sender and body if its MAC is the key's over {@code scope}; otherwise empty, counted. */
    private Optional<Opened> verify(String channel, Object message, Scope scope) {
        return check(channel, message, scope).flatMap(sealed -> {
            try {
                return Optional.of(new Opened(sealed.sender(), new JsonObject(sealed.text()), sealed.counter()));
            } catch (DecodeException e) {
                reject(channel, Rejection.MALFORMED, "body from " + sealed.sender() + " is not a JSON object");
                return Optional.empty();
            }
        });
    }

    /** The envelope's parts if its MAC is the key's over {@code scope}; otherwise empty, counted. */
    private Optional<Sealed> check(String channel, Object message, Scope scope) {
        if (!(message instanceof JsonObject envelope) || !(envelope.getValue("from") instanceof String from)
                || !(envelope.getValue("body") instanceof String text) || !(envelope.getValue("ctr") instanceof Number ctr)) {
            reject(channel, Rejection.MALFORMED, "not a sealed message");
            return Optional.empty();
        }
        if (key != null) {
            if (!(envelope.getValue("mac") instanceof String mac)) {
                reject(channel, Rejection.UNSIGNED, "from " + from);
                return Optional.empty();
            }
            if (!key.verify(decode(mac), scope.parts(from, ctr.longValue(), text))) {
                reject(channel, Rejection.FORGED, "claims to be from " + from);
                return Optional.empty();
            }
        }
        return Optional.of(new Sealed(from, text, ctr.longValue()));
    }

    private String tag(String... parts) {
        return Base64.getEncoder().encodeToString(key.tag(parts));
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Counts and logs (at a bounded rate) something refused on {@code channel}; also for refusals decided
     * elsewhere, such as a fenced reference.
     */
    public void reject(String channel, Rejection reason, String detail) {
        String kind = channel + " " + reason.label();
        LongAdder count = rejections.computeIfAbsent(kind, k -> new LongAdder());
        count.increment();
        long total = count.sum();
        listener.accept(channel, reason);
        long now = clock.nowNanos();
        Long last = lastLogged.get(kind);
        if (last == null || now - last >= LOG_EVERY_SECONDS * 1_000_000_000L) {
            lastLogged.put(kind, now);
            if (reason == Rejection.UNANSWERED) {
                LOG.warn("no answer on {}: {} ({} so far)", channel, detail, total);
            } else {
                LOG.warn("dropped {} message on {}: {} ({} so far)", reason.label(), channel, detail, total);
            }
        }
    }

    /** Every rejection so far, "channel reason" → count, sorted. */
    public Map<String, Long> rejections() {
        Map<String, Long> counts = new TreeMap<>();
        rejections.forEach((kind, count) -> counts.put(kind, count.sum()));
        return counts;
    }
}
