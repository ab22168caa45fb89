package io.timemesh.deploy;

import io.timemesh.core.ntp.ServerAddress;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.sampler.HostResolver;
import io.timemesh.sampler.NtpQuery;
import io.timemesh.sampler.nts.NtsSourceSettings;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code timemesh query HOST[:PORT]...}: measure servers once and print what each says, with its error interval. */
@Command(name = "query",
        mixinStandardHelpOptions = true,
        description = {
            "Measure NTP servers once, as ntpdig does: offset, delay, dispersion, root distance, stratum,",
            "refid, leap and the interval [offset - distance, offset + distance] that holds the true offset",
            "if the server tells the truth. Offsets are server minus this machine's clock.",
            "Exit status: 0 when every server gave a good sample, 1 when any did not (the reason is printed",
            "per server), 2 for bad arguments."},
        exitCodeOnExecutionException = 1)
public final class QueryCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "HOST[:PORT]", description = "Servers to query; port 123 if omitted.")
    private List<String> servers = new ArrayList<>();

    @Option(names = "--samples", paramLabel = "N", defaultValue = "4",
            description = "Exchanges per server; the least-delay one is reported (default: ${DEFAULT-VALUE}).")
    private int samples;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "2",
            description = "How long to wait for each reply (default: ${DEFAULT-VALUE}).")
    private double timeoutSeconds;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "0.5",
            description = "Pause between exchanges with one server (default: ${DEFAULT-VALUE}).")
    private double intervalSeconds;

    @Option(names = "--json", description = "Print one JSON array, one object per server.")
    private boolean json;

    @Option(names = "--nts", description = "Authenticate every server with NTS (RFC 8915): NTS-KE over TLS first, then"
            + " only authenticated replies count.")
    private boolean nts;

    @Option(names = "--nts-ke-port", paramLabel = "N", defaultValue = "4460",
            description = "NTS-KE port of the servers (with --nts; default: ${DEFAULT-VALUE}).")
    private int ntsKePort;

    @Option(names = "--nts-trusted-certificates", paramLabel = "PEM",
            description = "Trust only these certificates for NTS-KE (with --nts; default: the JDK's trust store).")
    private Path ntsTrustedCertificates;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<ServerAddress> addresses = validated();
        // The native transport, as the node's: T1 and T4 from the kernel's timestamps (KernelTimestamps).
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        List<NtpQuery.Result> results;
        try {
            results = NtpQuery.run(vertx, new MonotonicTimescale(), MonotonicTimescale.measurePrecisionLog2(),
                    HostResolver.SYSTEM, addresses, nts ? new NtsSourceSettings(ntsKePort, ntsTrustedCertificates) : null,
                    samples, seconds(timeoutSeconds), seconds(intervalSeconds)).await();
        } finally {
            vertx.close().await();
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? QueryReport.json(results) : QueryReport.table(results));
        out.flush();
        return results.stream().allMatch(NtpQuery.Result::ok) ? 0 : 1;
    }

    private List<ServerAddress> validated() {
        if (samples < 1 || samples > 64) {
            throw parameterError("--samples must be 1..64, was " + samples);
        }
        if (!(timeoutSeconds > 0 && timeoutSeconds <= 60)) {
            throw parameterError("--timeout must be in (0, 60] seconds, was " + timeoutSeconds);
        }
        if (!(intervalSeconds >= 0 && intervalSeconds <= 60)) {
            throw parameterError("--interval must be in [0, 60] seconds, was " + intervalSeconds);
        }
        if (ntsKePort < 1 || ntsKePort > 65_535) {
            throw parameterError("--nts-ke-port must be 1..65535, was " + ntsKePort);
        }
        if (!nts && ntsTrustedCertificates != null) {
            throw parameterError("--nts-trusted-certificates needs --nts");
        }
        List<ServerAddress> addresses = new ArrayList<>();
        for (String server : servers) {
            try {
                addresses.add(ServerAddress.parse(server));
            } catch (IllegalArgumentException e) {
                throw parameterError(e.getMessage());
            }
        }
        return addresses;
    }

    private CommandLine.ParameterException parameterError(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private static Duration seconds(double seconds) {
        return Duration.ofNanos(Math.round(seconds * 1e9));
    }
}
