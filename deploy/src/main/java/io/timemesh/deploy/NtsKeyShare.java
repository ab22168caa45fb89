package io.timemesh.deploy;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.nts.NtsServerKeys;
import io.timemesh.timebase.MeshAuth;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares the nodes' NTS cookie keys through the trusted mesh, so that a cookie from any node's NTS-KE opens
 * at every node's NTP server, and a restarted node still opens the cookies its previous run handed out.
 * Every {@link #SHARE_MILLIS} each node writes its own keys under its name into a cluster map (sealed by
 * {@link MeshAuth}, the keys themselves wrapped with AES-SIV under a key derived from the cluster key, since
 * the map's traffic is not encrypted), with a time-to-live of two key rotations, and takes every other
 * genuine entry's keys. Needs a cluster key: a cluster without one keeps each node's keys its own.
 */
final class NtsKeyShare {
    private static final Logger LOG = LoggerFactory.getLogger(NtsKeyShare.class);
    static final String MAP = "timemesh.nts.keys";
    static final long SHARE_MILLIS = 2_000;

    private final MeshAuth auth;
    private final byte[] wrapKey;
    private final NtsServerKeys keys;
    private final long ttlMillis;
    private final AsyncMap<String, String> map;

    private NtsKeyShare(MeshAuth auth, byte[] wrapKey, NtsServerKeys keys, long ttlMillis, AsyncMap<String, String> map) {
        this.auth = auth;
        this.wrapKey = wrapKey;
        this.keys = keys;
        this.ttlMillis = ttlMillis;
        this.map = map;
    }

    /**
     * Starts sharing: once at once, then every {@link #SHARE_MILLIS}.
     *
     * @param rotationMillis how long a key stays current: entries live twice that
     */
    static Future<Void> start(Vertx vertx, MeshAuth auth, ClusterKey clusterKey, NtsServerKeys keys, long rotationMillis) {
        byte[] wrapKey = clusterKey.tag("timemesh", "nts-cookie-key-wrap");
        return vertx.sharedData().<String, String>getAsyncMap(MAP).compose(map -> {
            NtsKeyShare share = new NtsKeyShare(auth, wrapKey, keys, Math.max(SHARE_MILLIS * 5, 2 * rotationMillis), map);
            vertx.setPeriodic(SHARE_MILLIS, id -> share.exchange());
            return share.exchange();
        });
    }

    private Future<Void> exchange() {
        JsonArray own = new JsonArray();
        keys.own().forEach(key -> own.add(new JsonObject().put("id", key.id())
                .put("wrapped", Base64.getEncoder().encodeToString(NtsServerKeys.wrap(wrapKey, key)))));
        String node = auth.node();
        return map.put(node, auth.sealValue(MAP, node, new JsonObject().put("keys", own)), ttlMillis)
                .compose(v -> map.entries())
                .map(entries -> {
                    List<NtsServerKeys.SharedKey> others = new ArrayList<>();
                    entries.forEach((writer, value) -> {
                        if (writer.equals(node)) {
                            return;
                        }
                        auth.openValue(MAP, writer, value).filter(opened -> opened.sender().equals(writer))
                                .ifPresent(opened -> others.addAll(unwrapped(writer, opened.body())));
                    });
                    keys.acceptShared(others);
                    return (Void) null;
                })
                .onFailure(e -> LOG.debug("NTS cookie keys not shared this time: {}", e.getMessage()));
    }

    private List<NtsServerKeys.SharedKey> unwrapped(String writer, JsonObject body) {
        List<NtsServerKeys.SharedKey> found = new ArrayList<>();
        try {
            for (Object each : body.getJsonArray("keys")) {
                JsonObject key = (JsonObject) each;
                NtsServerKeys.unwrap(wrapKey, key.getInteger("id"), Base64.getDecoder().decode(key.getString("wrapped")))
                        .ifPresentOrElse(found::add, () -> LOG.warn("NTS cookie key from {} does not unwrap", writer));
            }
        } catch (RuntimeException e) {
            LOG.warn("NTS cookie keys from {} unreadable: {}", writer, e.getMessage());
        }
        return found;
    }
}
