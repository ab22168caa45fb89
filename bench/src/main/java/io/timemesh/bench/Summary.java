package io.timemesh.bench;

/**
 * One row of bench/run-all.sh's closing table, printed as a tab-separated line starting with SUMMARY
 * so the script can collect the rows of every benchmark it ran.
 */
final class Summary {
    private Summary() {}

    /**
     * @param benchmark which benchmark
     * @param figure    what was measured
     * @param timemesh  timemesh's figure, with its unit
     * @param reference the reference's figure in the same run, with its unit
     * @param ratio     timemesh / reference, or "" when no ratio means anything
     * @param target    the target, or "" for a figure without one
     * @param met       whether the target was met (ignored without one)
     */
    static void row(String benchmark, String figure, String timemesh, String reference, String ratio, String target,
                    boolean met) {
        System.out.println(String.join("\t", "SUMMARY", benchmark, figure, timemesh, reference, ratio, target,
                target.isEmpty() ? "" : met ? "met" : "**missed**"));
    }
}
