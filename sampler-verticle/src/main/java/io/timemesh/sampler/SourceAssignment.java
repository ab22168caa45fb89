package io.timemesh.sampler;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits sources among live samplers by rendezvous (highest-random-weight) hashing with bounded
 * load: taking the sources in name order, each goes to the sampler with the highest hash of
 * (source, sampler) that has fewer than ⌈sources / samplers⌉ so far. Every sampler computes the same
 * answer from the same member list with no coordination. Plain rendezvous hashing moves only a
 * leaving sampler's sources, but with a dozen sources over three samplers it leaves one idle about
 * one time in fifty; the bound keeps the split even at the price of a few extra moves.
 */
public final class SourceAssignment {
    private SourceAssignment() {}

    /** The sources {@code self} owns among {@code samplers} (which should include {@code self}). */
    public static List<String> owned(String self, Collection<String> samplers, List<String> sources) {
        Map<String, String> owners = owners(samplers, sources);
        return sources.stream().filter(source -> self.equals(owners.get(source))).toList();
    }

    public static String owner(String source, Collection<String> samplers, List<String> sources) {
        return owners(samplers, sources).get(source);
    }

    /** Source → sampler for every source. */
    public static Map<String, String> owners(Collection<String> samplers, List<String> sources) {
        List<String> members = samplers.stream().distinct().sorted().toList();
        Map<String, String> owners = new HashMap<>();
        if (members.isEmpty()) {
            return owners;
        }
        int capacity = (sources.size() + members.size() - 1) / members.size();
        Map<String, Integer> load = new HashMap<>();
        for (String source : sources.stream().distinct().sorted().toList()) {
            String best = null;
            long bestWeight = 0;
            for (String sampler : members) {
                long weight = weight(source, sampler);
                if (load.getOrDefault(sampler, 0) < capacity
                        && (best == null || Long.compareUnsigned(weight, bestWeight) > 0)) {
                    best = sampler;
                    bestWeight = weight;
                }
            }
            owners.put(source, best);
            load.merge(best, 1, Integer::sum);
        }
        return owners;
    }

    /** FNV-1a over "source\nsampler", then a 64-bit finaliser so close names spread well. Stable across JVMs. */
    static long weight(String source, String sampler) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : (source + "\n" + sampler).getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xFF;
            hash *= 0x100000001b3L;
        }
        hash ^= hash >>> 33;
        hash *= 0xff51afd7ed558ccdL;
        hash ^= hash >>> 33;
        hash *= 0xc4ceb9fe1a85ec53L;
        return hash ^ (hash >>> 33);
    }
}
