package io.timemesh.deploy;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * What of {@code deploy/jvm.options} a running JVM still takes, for a node started with no JVM option at all (the
 * README's {@code java -jar deploy/target/timemesh.jar}). Heap cap and GC cannot change after start, and a
 * launcher re-starting itself with them would keep a second JVM of ~40 MiB alive as the node's parent, more than
 * the options save; so the heap is told to give memory back instead: at most 30 % of it free after a collection,
 * and with G1 (the JVM's default here) a collection every 15 s while nothing else collects, which is what lets an
 * idle node shrink. Measured: 233 MiB idle without, 192 MiB with ({@code jcmd VM.set_flag} on a running node).
 * Given any JVM option, the caller chose, and nothing is changed.
 */
final class JvmTuning {
    private JvmTuning() {
    }

    /** Sets the flags above (manageable ones, so no restart) unless the JVM was started with options. */
    static void unlessConfigured() {
        if (!ManagementFactory.getRuntimeMXBean().getInputArguments().isEmpty()) {
            return;
        }
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        hotspot.setVMOption("MinHeapFreeRatio", "10"); // first: it must stay at or below MaxHeapFreeRatio
        hotspot.setVMOption("MaxHeapFreeRatio", "30");
        if (hotspot.getVMOption("UseG1GC").getValue().equals("true")) {
            hotspot.setVMOption("G1PeriodicGCInterval", "15000");
        }
    }
}
