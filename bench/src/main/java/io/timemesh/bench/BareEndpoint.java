package io.timemesh.bench;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;

/**
 * The reference for the HTTP benchmark: a Vert.x web endpoint that answers GET /time with a constant
 * JSON body of the same size as timemesh's, deployed the same way (one verticle, one event loop, the
 * same transport).
 * Usage: {@code java -cp bench/target/timemesh-bench.jar io.timemesh.bench.BareEndpoint PORT}
 */
public final class BareEndpoint extends VerticleBase {
    private static final Buffer BODY = Buffer.buffer("{\"nowNs\":\"1795240957571191274\",\"earliestNs\":"
            + "\"1795240957570794271\",\"latestNs\":\"1795240957571588277\",\"now\":\"2026-11-21T06:02:37.571191274Z\","
            + "\"earliest\":\"2026-11-21T06:02:37.570794271Z\",\"latest\":\"2026-11-21T06:02:37.571588277Z\","
            + "\"errorBoundNs\":397003,\"status\":\"SYNCHRONIZED\",\"stratum\":2,\"leap\":\"none\",\"smearNs\":null}");

    private final int port;

    private BareEndpoint(int port) {
        this.port = port;
    }

    @Override
    public Future<?> start() {
        Router router = Router.router(vertx);
        router.get("/time").handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(BODY));
        return vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1");
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        // The transport a node prefers (epoll), so the two differ only in what they do per request.
        Vertx.builder().with(new VertxOptions().setPreferNativeTransport(true)).build()
                .deployVerticle(new BareEndpoint(port)).await();
        System.out.println("bare endpoint on http://127.0.0.1:" + port + "/time");
    }
}
