package io.timemesh.bench;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.timebase.MeshAuth;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What sealing costs a message of the mesh: seal on the sender plus open (MAC check, freshness,
 * parse) on a receiver, with the cluster key and without (an insecure cluster), for a sample-sized
 * body (about 0.4 KB) and a reference-sized one (about 2 KB). The difference is the MACs' cost per
 * message. Run: {@code java -cp bench/target/timemesh-bench.jar org.openjdk.jmh.Main MeshAuthBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MeshAuthBenchmark {

    @Param({"true", "false"})
    public boolean keyed;

    @Param({"400", "2000"})
    public int bodyBytes;

    private MeshAuth sender;
    private MeshAuth.Inbox inbox;
    private JsonObject body;

    @Setup
    public void setUp() {
        MonotonicTimescale clock = new MonotonicTimescale();
        ClusterKey key = ClusterKey.random();
        sender = keyed ? MeshAuth.keyed("node-a/1234", key, clock) : MeshAuth.insecure("node-a/1234", clock);
        MeshAuth receiver = keyed ? MeshAuth.keyed("node-b/5678", key, clock) : MeshAuth.insecure("node-b/5678", clock);
        inbox = receiver.inbox(EventBusAddresses.SAMPLES);
        body = new JsonObject();
        for (int i = 0; body.encode().length() < bodyBytes; i++) {
            body.put("field" + i, 0.000123456789 * i);
        }
    }

    @Benchmark
    public Object sealAndOpen() {
        return inbox.open(sender.seal(EventBusAddresses.SAMPLES, body)).orElseThrow();
    }
}
