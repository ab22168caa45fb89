package io.timemesh.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * chrony as a client: {@code chronyd -Q "server HOST port N iburst"} measures a server once and
 * prints how wrong the local clock is, without touching it.
 */
public final class ChronydClient {
    private ChronydClient() {}

    private static final Pattern WRONG_BY = Pattern.compile("System clock wrong by (-?[0-9.]+) seconds");

    /**
     * What chrony measured.
     *
     * @param offsetSeconds "server minus local", s (chrony prints how far the local clock is wrong, which is the same
     *                      number: positive when the server is ahead)
     * @param delaySeconds  the largest round-trip delay δ among the exchanges it logged, s: each exchange's offset
     *                      is within δ/2 of the truth for that exchange alone, so a check of the offset allows that
     *                      much on a loaded machine, where δ grows from microseconds to milliseconds
     */
    public record Measurement(double offsetSeconds, double delaySeconds) {}

    /** The server's offset as chrony measures it once. */
    public static Measurement measureOffset(String host, int port) throws IOException, InterruptedException {
        return measure("server " + host + " port " + port + " iburst minpoll 0 maxpoll 0");
    }

    /**
     * As {@link #measureOffset}, with NTS (RFC 8915): chrony runs NTS-KE with {@code host:kePort},
     * trusting the PEM certificates in {@code trusted}, and takes only authenticated replies.
     */
    public static Measurement measureNtsOffset(String host, int port, int kePort, Path trusted)
            throws IOException, InterruptedException {
        return measure("ntstrustedcerts " + trusted.toAbsolutePath(),
                "server " + host + " port " + port + " nts ntsport " + kePort + " iburst minpoll 0 maxpoll 0");
    }

    private static Measurement measure(String... directives) throws IOException, InterruptedException {
        ChronydServer.requireChronyd();
        Path logs = Files.createTempDirectory("chronyd-q");
        try {
            List<String> command = new ArrayList<>(List.of(ChronydServer.CHRONYD, "-Q", "-u", "root", "-f",
                    "/dev/null", "-t", "20", "logdir " + logs.toAbsolutePath(), "log measurements"));
            command.addAll(List.of(directives));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("chronyd -Q did not finish:\n" + output);
            }
            Matcher matcher = WRONG_BY.matcher(output);
            if (!matcher.find()) {
                throw new IOException("chronyd -Q printed no offset (exit " + process.exitValue() + "):\n" + output);
            }
            Path log = logs.resolve("measurements.log");
            if (!Files.exists(log)) {
                throw new IOException("chronyd -Q logged no measurement:\n" + output);
            }
            return new Measurement(Double.parseDouble(matcher.group(1)), largestDelay(log));
        } finally {
            try (var files = Files.list(logs)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(logs);
        }
    }

    /**
     * The largest "Peer del." (the 13th column, s) of the exchanges in chrony's measurements log that passed all its
     * tests (columns 6-8 all ones: chrony logs the ones it threw away too, and their delay is not in its offset).
     */
    private static double largestDelay(Path log) throws IOException {
        double largest = Double.NaN;
        for (String line : Files.readAllLines(log)) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length > 12 && fields[0].matches("\\d{4}-\\d{2}-\\d{2}") && fields[5].equals("111")
                    && fields[6].equals("111") && fields[7].equals("1111")) {
                double delay = Double.parseDouble(fields[12]);
                largest = Double.isNaN(largest) ? delay : Math.max(largest, delay);
            }
        }
        if (Double.isNaN(largest)) {
            throw new IOException("chronyd -Q logged no measurement in " + log);
        }
        return largest;
    }
}
