package io.timemesh.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and resident memory of a process, read from /proc as top and ps do (Linux only). */
final class ProcessStats {
    /** USER_HZ: the unit of /proc/PID/stat's CPU times, 100 on every Linux this runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessStats() {}

    /** Resident set size in MiB (VmRSS). */
    static double rssMiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        throw new IOException("no VmRSS for process " + pid);
    }

    /** User plus system CPU seconds used so far. */
    static double cpuSeconds(long pid) throws IOException {
        return ticks(Files.readString(Path.of("/proc", String.valueOf(pid), "stat"))) / TICKS_PER_SECOND;
    }

    /**
     * CPU seconds the JVM's JIT compiler threads ("C1 CompilerThread0", "C2 CompilerThread1", …) have used so far:
     * compiling the code, not running it; 0 for a process that has none (chronyd).
     */
    static double compilerCpuSeconds(long pid) throws IOException {
        long ticks = 0;
        try (var threads = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path thread : (Iterable<Path>) threads::iterator) {
                try {
                    if (Files.readString(thread.resolve("comm")).strip().matches("C[12] CompilerThre.*")) {
                        ticks += ticks(Files.readString(thread.resolve("stat")));
                    }
                } catch (IOException ended) {
                    // the thread ended between the listing and the read: its time is no longer counted anywhere
                }
            }
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** User plus system ticks of a /proc/…/stat line. */
    private static long ticks(String stat) {
        // The command name in parentheses may hold spaces: count fields from after its closing parenthesis.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** The 1-minute load average, as /proc/loadavg gives it. */
    static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }
}
