package diloco.tokenize;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;

/**
 * Learns byte-level BPE merges from counted words (the distinct pieces of GPT-2's pre-tokenizer),
 * as Hugging Face tokenizers' BPE trainer does:
 * <ul>
 *   <li>ids 0..255 are the bytes; merge i (from 0) makes id 256 + i, its bytes left's then right's;</li>
 *   <li>a pair's count is over every adjacent position of every word, weighted by the word's count
 *       (overlaps included: "aaa" counts (a, a) twice);</li>
 *   <li>each step merges the most frequent pair; ties go to the smaller left id, then the smaller
 *       right id, so the result is a function of the counts alone (not of the order words arrive
 *       in from Spark's partitions, nor of hash order); a merge replaces a word's occurrences left
 *       to right, without overlap ("aaa" becomes [aa, a]).</li>
 * </ul>
 * Incremental: pair counts in a map, for each pair the words it occurs in, and a max-heap of
 * (count, pair) whose stale entries are skipped; a merge touches only the words holding its pair.
 */
public final class BpeTrainer {
    private BpeTrainer() {}

    /** A distinct pre-tokenized piece (its bytes) and how often it occurs in the corpus. */
    public record Word(byte[] bytes, long count) {}

    /** One learned merge: symbols left and right (ids) joined into the new symbol id, and the pair's count when chosen. */
    public record Merge(int left, int right, int id, long count) {}

    /** Called after every merge with (merges done so far, the merge just made). */
    @FunctionalInterface
    public interface Progress {
        void merged(int done, Merge merge);
    }

    /** Learns up to {@code merges} merges; stops earlier when no adjacent pair is left. */
    public static List<Merge> train(List<Word> words, int merges, Progress progress) {
        if (merges < 0) {
            throw new IllegalArgumentException("merges must be >= 0, got " + merges);
        }
        // equal words summed, in byte order: the same corpus gives the same state whatever the order
        Map<String, Long> combined = new TreeMap<>();
        for (Word w : words) {
            if (w.bytes().length > 0) {
                combined.merge(new String(w.bytes(), StandardCharsets.ISO_8859_1), w.count(), Long::sum);
            }
        }
        int n = combined.size();
        int[][] symbols = new int[n][];
        long[] counts = new long[n];
        int at = 0;
        for (Map.Entry<String, Long> e : combined.entrySet()) {
            String s = e.getKey();
            int[] ids = new int[s.length()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = s.charAt(i); // ISO-8859-1: char = byte
            }
            symbols[at] = ids;
            counts[at++] = e.getValue();
        }
        Map<Long, Long> pairCounts = new HashMap<>();
        Map<Long, Set<Integer>> where = new HashMap<>();
        PriorityQueue<long[]> heap = new PriorityQueue<>((x, y) -> x[0] != y[0] ? Long.compare(y[0], x[0])
                : Long.compare(x[1], y[1])); // pair keys order as (left, right)
        for (int w = 0; w < n; w++) {
            int[] s = symbols[w];
            for (int i = 0; i + 1 < s.length; i++) {
                long key = key(s[i], s[i + 1]);
                pairCounts.merge(key, counts[w], Long::sum);
                where.computeIfAbsent(key, k -> new HashSet<>()).add(w);
            }
        }
        pairCounts.forEach((key, c) -> heap.add(new long[] {c, key}));
        List<Merge> out = new ArrayList<>();
        while (out.size() < merges) {
            long[] top = heap.poll();
            if (top == null) {
                break;
            }
            Long current = pairCounts.get(top[1]);
            if (current == null || current != top[0] || current <= 0) {
                continue; // stale: the pair's count changed after this entry was pushed
            }
            int left = (int) (top[1] >>> 32);
            int right = (int) top[1];
            int id = 256 + out.size();
            Merge merge = new Merge(left, right, id, current);
            out.add(merge);
            Set<Integer> holders = where.remove(top[1]);
            for (int w : holders) {
                int[] before = symbols[w];
                int[] after = apply(before, left, right, id);
                if (after.length == before.length) {
                    continue; // a stale holder: an earlier merge already took the pair from this word
                }
                symbols[w] = after;
                Map<Long, Long> delta = new HashMap<>();
                for (int i = 0; i + 1 < before.length; i++) {
                    delta.merge(key(before[i], before[i + 1]), -counts[w], Long::sum);
                }
                for (int i = 0; i + 1 < after.length; i++) {
                    delta.merge(key(after[i], after[i + 1]), counts[w], Long::sum);
                }
                for (Map.Entry<Long, Long> d : delta.entrySet()) {
                    if (d.getValue() == 0) {
                        continue;
                    }
                    long c = pairCounts.merge(d.getKey(), d.getValue(), Long::sum);
                    if (d.getValue() > 0) {
                        where.computeIfAbsent(d.getKey(), k -> new HashSet<>()).add(w);
                    }
                    if (c > 0) {
                        heap.add(new long[] {c, d.getKey()});
                    }
                }
            }
            pairCounts.remove(top[1]);
            progress.merged(out.size(), merge);
        }
        return out;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | right;
    }

    /** The word with every (left, right) replaced by {@code id}, left to right, without overlap. */
    private static int[] apply(int[] s, int left, int right, int id) {
        int[] out = new int[s.length];
        int n = 0;
        for (int i = 0; i < s.length; i++) {
            if (i + 1 < s.length && s[i] == left && s[i + 1] == right) {
                out[n++] = id;
                i++;
            } else {
                out[n++] = s[i];
            }
        }
        return n == s.length ? s : java.util.Arrays.copyOf(out, n);
    }
}
