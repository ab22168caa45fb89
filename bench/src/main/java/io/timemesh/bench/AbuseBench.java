package io.timemesh.bench;

import io.timemesh.testkit.Http2Frames;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The attacks of issue 16 against a node from the packaged jar, one fresh node per attack, loopback only, each for
 * a bounded time: while it runs, GET /health/live on a new connection every 50 ms and an NTP request every 100 ms,
 * the node's RSS every 100 ms; after it, whether /health/live answers within 100 ms again within 5 s. Prints one
 * markdown row per attack. Usage: {@code AbuseBench SECONDS [attack...]} (bench/abuse.sh).
 */
public final class AbuseBench {
    /** The node's ports, free when the run starts: another node on a fixed port would be attacked instead. */
    private static int httpPort;
    private static int ntpPort;
    /** The node's file-descriptor limit in the idle-connection flood, which opens a few hundred more than it. */
    private static final int NODE_FD_LIMIT = 10_000;
    private static final long LIVE_WITHIN_MILLIS = 100;
    private static final long RECOVERY_MILLIS = 5_000;

    private AbuseBench() {
    }

    /** An attack: runs until {@code stop}, then releases what it holds; returns a note on what the node did. */
    private interface Attack {
        String run(AtomicBoolean stop) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        double seconds = Double.parseDouble(args[0]);
        httpPort = NodeProcess.freePort();
        do {
            ntpPort = NodeProcess.freePort();
        } while (ntpPort == httpPort);
        List<String> only = new ArrayList<>(List.of(args).subList(1, args.length));
        // --reference JAR: each attack also against that build, its row just before this build's, for comparing.
        Path reference = null;
        int at = only.indexOf("--reference");
        if (at >= 0) {
            reference = Path.of(only.get(at + 1));
            only.subList(at, at + 2).clear();
        }
        System.out.println("| attack | /health/live p99 (answered) | its p99 from 3 s on | NTP p99 (answered) | RSS peak "
                + "| recovered ≤ 5 s | what the node did |");
        System.out.println("|---|---|---|---|---|---|---|");
        List<Object[]> attacks = List.of(
                new Object[] {"none (baseline)", false, (Attack) stop -> idle(stop)},
                new Object[] {"10,200 idle connections (node fd limit 10,000)", false, (Attack) stop -> idleFlood(stop, 10_200)},
                new Object[] {"10,200 idle connections, h2c on (node fd limit 10,000)", true, (Attack) stop -> idleFlood(stop, 10_200)},
                new Object[] {"2,000 slow headers (a line every 10 s)", false, (Attack) stop -> slowHeaders(stop, 2_000)},
                new Object[] {"h2c zero window, 20 conns × 1,000 /metrics (h2c on)", true, (Attack) stop -> zeroWindow(stop, 20, 1_000)},
                new Object[] {"h2c rapid reset, 20 conns × 1,000 HEADERS+RST_STREAM (h2c on)", true, (Attack) stop -> rapidReset(stop, 20, 1_000)},
                new Object[] {"h2c preface (default: h2c off)", false, (Attack) stop -> zeroWindow(stop, 20, 1_000)},
                new Object[] {"60,000 random method names", false, (Attack) stop -> randomMethods(stop, 60_000)},
                new Object[] {"CL+TE smuggling, 2,000 requests", false, (Attack) stop -> smuggling(stop, 2_000)},
                new Object[] {"never read, 20 conns × 200 pipelined 205 KB GETs", false, (Attack) stop -> neverRead(stop, 20, 200)},
                new Object[] {"NTP flood 40,000 req/s", false, (Attack) stop -> ntpFlood(stop, 40_000, seconds)});
        for (Object[] attack : attacks) {
            String name = (String) attack[0];
            if (only.isEmpty() || only.stream().anyMatch(name::contains)) {
                if (reference != null) {
                    System.out.println(run(name + " [reference " + reference.getFileName() + "]", reference,
                            (Boolean) attack[1], (Attack) attack[2], seconds));
                }
                System.out.println(run(name, Path.of("deploy/target/timemesh.jar"), (Boolean) attack[1],
                        (Attack) attack[2], seconds));
            }
        }
    }

    private static String run(String name, Path jar, boolean h2c, Attack attack, double seconds) throws Exception {
        Path config = Files.createTempFile("abuse", ".json");
        Files.writeString(config, "{\"http\": {\"h2c\": " + h2c + "}}");
        Path log = Files.createTempFile("abuse-node", ".log");
        Process node = new ProcessBuilder("bash", "-c", "ulimit -n " + NODE_FD_LIMIT + " && exec "
                + Path.of(System.getProperty("java.home"), "bin", "java") + " -jar " + jar + " run"
                + " --http-host 127.0.0.1 --http-port " + httpPort + " --ntp-port " + ntpPort
                + " --source 127.0.0.1:9 --config " + config).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (Probes probes = new Probes(node.pid())) {
            probes.awaitLive(Duration.ofSeconds(60));
            Thread.sleep(1_000);
            probes.reset();
            AtomicBoolean stop = new AtomicBoolean();
            Thread timer = new Thread(() -> {
                try {
                    Thread.sleep((long) (seconds * 1000));
                } catch (InterruptedException e) {
                    return;
                } finally {
                    stop.set(true);
                }
            });
            timer.start();
            String note = attack.run(stop);
            timer.join();
            String during = probes.snapshot(); // the attacker holds its sockets until it has counted what the node closed
            long recovered = probes.recovery(node);
            return String.format(Locale.ROOT, "| %s | %s | %s |%s", name, during,
                    recovered < 0 ? (node.isAlive() ? "no" : "exited " + node.exitValue()) : String.format(Locale.ROOT,
                            "yes (%.2f s)", recovered / 1000.0), " " + note + " |");
        } finally {
            node.destroy();
            if (!node.waitFor(15, TimeUnit.SECONDS)) {
                node.destroyForcibly().waitFor();
            }
            Files.deleteIfExists(config);
            Files.deleteIfExists(log);
        }
    }

    private static String idle(AtomicBoolean stop) throws InterruptedException {
        while (!stop.get()) {
            Thread.sleep(50);
        }
        return "nothing";
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort), 2_000);
        return socket;
    }

    /** How many of the sockets the server has closed (EOF or reset), checked without waiting. */
    private static int closedByServer(List<Socket> sockets) throws IOException {
        int closed = 0;
        byte[] buffer = new byte[4096];
        for (Socket socket : sockets) {
            socket.setSoTimeout(1);
            try {
                int n;
                while ((n = socket.getInputStream().read(buffer)) > 0) {
                    // an answer, then maybe the close
                }
                closed += n < 0 ? 1 : 0;
            } catch (SocketTimeoutException open) {
                // still open
            } catch (SocketException reset) {
                closed++;
            }
        }
        return closed;
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // gone already
            }
        }
    }

    private static String idleFlood(AtomicBoolean stop, int count) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        int failed = 0;
        try {
            for (int i = 0; i < count && !stop.get(); i++) {
                try {
                    sockets.add(connect());
                } catch (IOException e) {
                    failed++;
                }
            }
            int opened = sockets.size();
            while (!stop.get()) {
                Thread.sleep(50);
            }
            int closed = closedByServer(sockets);
            return String.format(Locale.ROOT, "%d opened (%d failed to connect); the node closed %d, kept %d",
                    opened, failed, closed, opened - closed);
        } finally {
            closeAll(sockets);
        }
    }

    private static String slowHeaders(AtomicBoolean stop, int count) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < count && !stop.get(); i++) {
                Socket socket = connect();
                socket.getOutputStream().write("GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
                sockets.add(socket);
            }
            int sent = 0;
            while (!stop.get()) {
                Thread.sleep(10_000);
                for (Socket socket : sockets) {
                    try {
                        socket.getOutputStream().write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
                        sent++;
                    } catch (IOException closed) {
                        // the node closed it
                    }
                }
            }
            int closed = closedByServer(sockets);
            return String.format(Locale.ROOT, "%d slow connections, %d header lines sent over %.0f s; the node closed %d",
                    sockets.size(), sent, (System.nanoTime() - start) / 1e9, closed);
        } finally {
            closeAll(sockets);
        }
    }

    private static String zeroWindow(AtomicBoolean stop, int connections, int streams) throws Exception {
        ByteArrayOutputStream attack = new ByteArrayOutputStream();
        attack.writeBytes(Http2Frames.preface());
        attack.writeBytes(Http2Frames.settingsInitialWindowZero());
        for (int s = 0; s < streams; s++) {
            attack.writeBytes(Http2Frames.get(2 * s + 1, "/metrics"));
        }
        return reconnecting(stop, connections, attack.toByteArray(), String.format(Locale.ROOT,
                "attack connections (%d streams each, never a WINDOW_UPDATE)", streams));
    }

    /**
     * CVE-2023-44487: on each connection, streams opened and cancelled at once (HEADERS then RST_STREAM), a thousand
     * in one write; as soon as the node closes one, the attacker opens another.
     */
    private static String rapidReset(AtomicBoolean stop, int connections, int streams) throws Exception {
        ByteArrayOutputStream attack = new ByteArrayOutputStream();
        attack.writeBytes(Http2Frames.preface());
        attack.writeBytes(Http2Frames.settingsAck());
        for (int s = 0; s < streams; s++) {
            attack.writeBytes(Http2Frames.get(2 * s + 1, "/time"));
            attack.writeBytes(Http2Frames.rstStream(2 * s + 1, Http2Frames.CANCEL));
        }
        return reconnecting(stop, connections, attack.toByteArray(), String.format(Locale.ROOT,
                "attack connections (%d streams each opened and reset at once)", streams));
    }

    /**
     * Keeps {@code connections} connections that each sent {@code bytes}, replacing each one the node closes; returns
     * "N what; the node closed M".
     */
    private static String reconnecting(AtomicBoolean stop, int connections, byte[] bytes, String what) throws Exception {
        List<Socket> open = new ArrayList<>();
        long rounds = 0;
        long closedByNode = 0;
        try {
            while (!stop.get()) {
                while (open.size() < connections && !stop.get()) {
                    Socket socket = connect();
                    try {
                        socket.getOutputStream().write(bytes);
                    } catch (IOException closedMidway) {
                        // the node closed it before reading everything
                    }
                    open.add(socket);
                    rounds++;
                }
                Thread.sleep(100);
                List<Socket> closed = new ArrayList<>();
                for (Socket socket : open) {
                    if (closedByServer(List.of(socket)) == 1) {
                        closed.add(socket);
                    }
                }
                closedByNode += closed.size();
                open.removeAll(closed);
                closeAll(closed);
            }
            return String.format(Locale.ROOT, "%d %s; the node closed %d", rounds, what, closedByNode);
        } finally {
            closeAll(open);
        }
    }

    /**
     * Clients that ask for the dashboard's largest file 200 times in one write and never read an answer, each with a
     * 4 KiB receive buffer: the node can send each only what the socket buffers hold, and must close them at its
     * write timeout (http.writeTimeoutMillis) rather than hold them until the idle timeout.
     */
    private static String neverRead(AtomicBoolean stop, int connections, int requests) throws Exception {
        byte[] asks = ("GET /webjars/chart.js/4.4.1/dist/chart.umd.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .repeat(requests).getBytes(StandardCharsets.US_ASCII);
        List<Socket> sockets = new ArrayList<>();
        List<Long> closedAfterMillis = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < connections; i++) {
                Socket socket = new Socket();
                socket.setReceiveBufferSize(4_096);
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort), 2_000);
                socket.getOutputStream().write(asks);
                sockets.add(socket);
            }
            List<Socket> open = new ArrayList<>(sockets);
            while (!stop.get()) {
                Thread.sleep(100);
                open.removeIf(socket -> {
                    try { // reading would drain the answers; a write to a closed connection fails (reset) instead
                        socket.getOutputStream().write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        return false;
                    } catch (IOException closed) {
                        closedAfterMillis.add((System.nanoTime() - start) / 1_000_000);
                        return true;
                    }
                });
            }
            return String.format(Locale.ROOT, "%d connections never reading; the node closed %d%s", connections,
                    closedAfterMillis.size(), closedAfterMillis.isEmpty() ? ""
                            : String.format(Locale.ROOT, ", %.1f–%.1f s after they asked",
                                    Collections.min(closedAfterMillis) / 1e3, Collections.max(closedAfterMillis) / 1e3));
        } finally {
            closeAll(sockets);
        }
    }

    private static String randomMethods(AtomicBoolean stop, int requests) throws Exception {
        Random random = new Random(16);
        int perConnection = 1_000;
        int sent = 0;
        while (sent < requests && !stop.get()) {
            StringBuilder pipelined = new StringBuilder();
            for (int i = 0; i < perConnection; i++) {
                StringBuilder method = new StringBuilder();
                for (int c = 0; c < 12; c++) {
                    method.append((char) ('A' + random.nextInt(26)));
                }
                pipelined.append(method).append(i % 2 == 0 ? " /time" : " /r" + random.nextInt(1 << 20))
                        .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            }
            pipelined.append("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            try (Socket socket = connect()) {
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                Thread writer = new Thread(() -> {
                    try {
                        out.write(pipelined.toString().getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        // the node closed it
                    }
                });
                writer.start();
                socket.getInputStream().readAllBytes();
                writer.join();
            }
            sent += perConnection;
        }
        while (!stop.get()) {
            Thread.sleep(50);
        }
        HttpClient http = HttpClient.newHttpClient();
        long start = System.nanoTime();
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        long scrapeMillis = (System.nanoTime() - start) / 1_000_000;
        long series = metrics.lines().filter(l -> l.startsWith("vertx_http_server")).count();
        long methods = metrics.lines().filter(l -> l.startsWith("vertx_http_server_requests_total"))
                .map(l -> l.replaceAll(".*method=\"([^\"]*)\".*", "$1")).distinct().count();
        return String.format(Locale.ROOT, "%d requests sent; then /metrics: %d vertx_http_server lines, %d method values, scraped in %d ms",
                sent, series, methods, scrapeMillis);
    }

    private static String smuggling(AtomicBoolean stop, int requests) throws Exception {
        byte[] request = ("POST /time HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        int refused = 0;
        int smuggledAnswered = 0;
        int sent = 0;
        for (; sent < requests && !stop.get(); sent++) {
            try (Socket socket = connect()) {
                socket.setSoTimeout(5_000);
                socket.getOutputStream().write(request);
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                refused += answer.startsWith("HTTP/1.1 400") ? 1 : 0;
                smuggledAnswered += answer.split("HTTP/1.1 ", -1).length - 2 > 0 ? 1 : 0;
            }
        }
        while (!stop.get()) {
            Thread.sleep(50);
        }
        return String.format(Locale.ROOT, "%d sent: %d answered 400 and closed, %d smuggled requests answered",
                sent, refused, smuggledAnswered);
    }

    private static String ntpFlood(AtomicBoolean stop, int rate, double seconds) throws Exception {
        NtpLoad.Result result = NtpLoad.run(new InetSocketAddress("127.0.0.1", ntpPort), rate, seconds);
        while (!stop.get()) {
            Thread.sleep(50);
        }
        return String.format(Locale.ROOT, "%.0f req/s offered, %.0f replies/s", result.offered(), result.replies());
    }

    /** The liveness, NTP and RSS probes, each on its own thread. */
    private static final class Probes implements AutoCloseable {
        /** A probe not answered 200 within a second counts as this latency, ms: worse than any answer. */
        private static final long NO_ANSWER = 9_999;
        /** Where the JIT-cold start of an attack ends, for the "after" figure. */
        private static final long WARM_AFTER_NANOS = 3_000_000_000L;
        private static final byte[] LIVE = "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        private final long pid;
        /** Per liveness probe: when it started (ns since reset) and its latency, ms, or {@link #NO_ANSWER}. */
        private final List<long[]> live = Collections.synchronizedList(new ArrayList<>());
        private volatile long resetNanos = System.nanoTime();
        private final List<Long> ntp = Collections.synchronizedList(new ArrayList<>());
        private final AtomicLong ntpFailed = new AtomicLong();
        private final AtomicLong rssPeakKiB = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        Probes(long pid) {
            this.pid = pid;
            threads.add(loop(50, () -> {
                long start = System.nanoTime() - resetNanos;
                long took = liveMillis();
                live.add(new long[] {start, took < 0 ? NO_ANSWER : took});
            }));
            threads.add(loop(100, this::askNtp));
            threads.add(loop(100, () -> rssPeakKiB.accumulateAndGet(rssKiB(), Math::max)));
        }

        private Thread loop(long periodMillis, Runnable probe) {
            Thread thread = new Thread(() -> {
                while (running.get()) {
                    probe.run();
                    try {
                        Thread.sleep(periodMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        /** One /health/live on a new connection: ms to a 200, or -1 for none within a second. */
        static long liveMillis() {
            long start = System.nanoTime();
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort), 1_000);
                socket.setSoTimeout(1_000);
                socket.getOutputStream().write(LIVE);
                InputStream in = socket.getInputStream();
                byte[] head = in.readNBytes(12);
                boolean ok = new String(head, StandardCharsets.ISO_8859_1).equals("HTTP/1.1 200");
                return ok ? (System.nanoTime() - start) / 1_000_000 : -1;
            } catch (IOException e) {
                return -1;
            }
        }

        private void askNtp() {
            try (DatagramSocket socket = new DatagramSocket()) {
                socket.setSoTimeout(1_000);
                byte[] request = NtpPacketCodec.encode(NtpPacket.clientRequest(System.nanoTime(), 0, -20));
                long start = System.nanoTime();
                socket.send(new DatagramPacket(request, request.length, new InetSocketAddress("127.0.0.1", ntpPort)));
                socket.receive(new DatagramPacket(new byte[512], 512));
                ntp.add((System.nanoTime() - start) / 1_000_000);
            } catch (IOException e) {
                ntpFailed.incrementAndGet();
            }
        }

        private long rssKiB() {
            try {
                return (long) (ProcessStats.rssMiB(pid) * 1024);
            } catch (IOException e) {
                return 0;
            }
        }

        void awaitLive(Duration limit) throws InterruptedException, IOException {
            long deadline = System.nanoTime() + limit.toNanos();
            while (liveMillis() < 0) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the node did not answer /health/live within " + limit);
                }
                Thread.sleep(200);
            }
        }

        void reset() {
            resetNanos = System.nanoTime();
            live.clear();
            ntp.clear();
            ntpFailed.set(0);
            rssPeakKiB.set(0);
        }

        /**
         * "p99 ms (answered/asked) | p99 ms from 3 s on | NTP p99 ms (answered/asked) | RSS peak MiB" for the attack so
         * far; an unanswered probe counts as {@link #NO_ANSWER} ms.
         */
        String snapshot() {
            List<long[]> probes;
            synchronized (live) {
                probes = new ArrayList<>(live);
            }
            List<Long> all = probes.stream().map(p -> p[1]).toList();
            List<Long> warm = probes.stream().filter(p -> p[0] >= WARM_AFTER_NANOS).map(p -> p[1]).toList();
            return String.format(Locale.ROOT, "%s ms (%d/%d) | %s ms | %s ms (%d/%d) | %d MiB", p99(all),
                    all.stream().filter(ms -> ms != NO_ANSWER).count(), all.size(), p99(warm), p99(ntp), ntp.size(),
                    ntp.size() + ntpFailed.get(), rssPeakKiB.get() / 1024);
        }

        private static String p99(List<Long> millis) {
            List<Long> sorted;
            synchronized (millis) {
                sorted = new ArrayList<>(millis);
            }
            if (!sorted.isEmpty() && Collections.max(sorted) == NO_ANSWER
                    && sorted.get((int) Math.floor(0.99 * (sorted.size() - 1))) == NO_ANSWER) {
                return "> 1000";
            }
            Collections.sort(sorted);
            return sorted.isEmpty() ? "–" : String.valueOf(sorted.get((int) Math.floor(0.99 * (sorted.size() - 1))));
        }

        /** ms after the attack's end until /health/live answered within 100 ms, or -1 if not within 5 s. */
        long recovery(Process node) throws InterruptedException {
            long start = System.nanoTime();
            while (System.nanoTime() - start < RECOVERY_MILLIS * 1_000_000L && node.isAlive()) {
                long took = liveMillis();
                if (took >= 0 && took <= LIVE_WITHIN_MILLIS) {
                    return (System.nanoTime() - start) / 1_000_000;
                }
                Thread.sleep(50);
            }
            return -1;
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(2_000);
            }
        }
    }
}
