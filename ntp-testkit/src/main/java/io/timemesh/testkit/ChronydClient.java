package io.timemesh.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
     * The offset chrony measures for the server, as "server minus local" in seconds (chrony prints how
     * far the local clock is wrong, which is the same number: positive when the server is ahead).
     */
    public static double measureOffsetSeconds(String host, int port) throws IOException, InterruptedException {
        return measure("server " + host + " port " + port + " iburst minpoll 0 maxpoll 0");
    }

    /**
     * As {@link #measureOffsetSeconds}, with NTS (RFC 8915): chrony runs NTS-KE with {@code host:kePort},
     * trusting the PEM certificates in {@code trusted}, and takes only authenticated replies.
     */
    public static double measureNtsOffsetSeconds(String host, int port, int kePort, java.nio.file.Path trusted)
            throws IOException, InterruptedException {
        return measure("ntstrustedcerts " + trusted.toAbsolutePath(),
                "server " + host + " port " + port + " nts ntsport " + kePort + " iburst minpoll 0 maxpoll 0");
    }

    private static double measure(String... directives) throws IOException, InterruptedException {
        ChronydServer.requireChronyd();
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(ChronydServer.CHRONYD, "-Q", "-u",
                "root", "-f", "/dev/null", "-t", "20"));
        command.addAll(java.util.List.of(directives));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("chronyd -Q did not finish:\n" + output);
        }
        Matcher matcher = WRONG_BY.matcher(output);
        if (!matcher.find()) {
            throw new IOException("chronyd -Q printed no offset (exit " + process.exitValue() + "):\n" + output);
        }
        return Double.parseDouble(matcher.group(1));
    }
}
