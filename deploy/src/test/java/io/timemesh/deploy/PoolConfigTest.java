package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** How configured pools become sources and voters (issue 13 §4). */
class PoolConfigTest {

    @Test
    void everyPoolMemberIsAVoterFromTheStartAlongsideThePlainSources() {
        NodeConfig config = new NodeConfig(new JsonObject().put("sources", new JsonArray().add("10.0.0.1"))
                .put("pools", new JsonArray().add(new JsonObject().put("name", "pool.example"))
                        .add(new JsonObject().put("name", "other.example:1123").put("maxSources", 2))));
        // Until a pool is resolved its members are voters that have not agreed: a pool cannot shrink the majority.
        assertThat(config.selector().sources()).containsExactly("10.0.0.1:123",
                "pool.example:123#0", "pool.example:123#1", "pool.example:123#2", "pool.example:123#3",
                "other.example:1123#0", "other.example:1123#1");
        assertThat(config.sampler().pools()).hasSize(2);
    }

    @Test
    void poolsAloneReplaceTheDefaultSources() {
        NodeConfig config = new NodeConfig(new JsonObject()
                .put("pools", new JsonArray().add(new JsonObject().put("name", "pool.example").put("maxSources", 1))));
        assertThat(config.selector().sources()).containsExactly("pool.example:123#0");
    }

    @Test
    void aPoolNamedTwiceIsWarnedAbout() {
        JsonObject pool = new JsonObject().put("name", "pool.example");
        NodeConfig config = new NodeConfig(new JsonObject().put("pools", new JsonArray().add(pool).add(pool.copy()
                .put("name", "pool.example:123"))));
        assertThat(config.duplicateSources()).singleElement().asString()
                .contains("pool pool.example:123 is configured 2 times");
    }
}
