package io.timemesh.deploy;

import io.timemesh.core.ntp.ServerAddress;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code timemesh run}: start a node and serve time until stopped. */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run a timemesh node: sample the sources, select, discipline the clock and serve bounded time",
            "on HTTP (GET /time, /sources, /status) and the event bus. Settings come from --config FILE",
            "(JSON), overridden by the options here. Without sources it polls the public NTP pool every 64 s."})
public final class RunCommand implements Callable<Integer> {

    @Option(names = "--source", paramLabel = "HOST[:PORT]", description = "An NTP source (repeatable).")
    private List<String> sources = new ArrayList<>();

    @Option(names = "--poll", paramLabel = "SECONDS", description = "Poll interval, 1..131072 (default 64).")
    private Integer poll;

    @Option(names = "--http-port", paramLabel = "N", description = "HTTP port (default 8123; 0 for any).")
    private Integer httpPort;

    @Option(names = "--http-host", paramLabel = "HOST", description = "HTTP bind address (default 0.0.0.0).")
    private String httpHost;

    @Option(names = "--node-name", paramLabel = "NAME", description = "This node's name (default node-PID).")
    private String nodeName;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON configuration file.")
    private Path configFile;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        NodeConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "bad configuration: " + e.getMessage());
        }
        TimemeshNode node = TimemeshNode.start(config).await();
        spec.commandLine().getOut().printf("timemesh node %s serving http://%s:%d/time (sources: %s)%n",
                config.nodeName(), config.apiConfig().getString("httpHost", "0.0.0.0"), node.httpPort(),
                config.samplerConfig().getJsonArray("sources").encode());
        spec.commandLine().getOut().flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.stop().await();
            stopped.countDown();
        }, "timemesh-shutdown"));
        stopped.await();
        return 0;
    }

    NodeConfig config() {
        NodeConfig config = configFile == null ? new NodeConfig(new JsonObject()) : NodeConfig.read(configFile);
        if (!sources.isEmpty()) {
            sources.forEach(ServerAddress::parse);
            config = config.with("sources", new JsonArray(sources));
        }
        if (poll != null) {
            config = config.with("pollSeconds", poll);
        }
        if (httpPort != null) {
            config = config.with("httpPort", httpPort);
        }
        if (httpHost != null) {
            config = config.with("httpHost", httpHost);
        }
        if (nodeName != null) {
            config = config.with("nodeName", nodeName);
        }
        return config;
    }
}
