package diloco.tokenize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Learns byte-level BPE merges from counted words (the distinct pieces of GPT-2's pre-tokenizer, gathered on the
 * driver), counting as Hugging Face tokenizers' BPE trainer does:
 * <ul>
 *   <li>ids 0..255 are the bytes (id = the unsigned byte); merge i (from 0) makes id 256 + i, whose bytes are
 *       left's followed by right's;</li>
 *   <li>a pair's count is over every adjacent position of every word, weighted by the word's count, overlaps
 *       included ("aaa" with count c gives (a, a) 2c);</li>
 *   <li>each step merges the pair of highest count; a tie goes to the smaller left id, then the smaller right id
 *       (Hugging Face's rule too: the smaller pair of ids first), so the merges are a function of the counts
 *       alone, not of the order the words arrive in from Spark's partitions nor of hash order; a pair of count 0
 *       never merges;</li>
 *   <li>a merge replaces a word's occurrences left to right, without overlap ("aaa" becomes [aa, a]);</li>
 *   <li>words given more than once count once with their counts summed; empty words are ignored.</li>
 * </ul>
 * Incremental, as Hugging Face's trainer is: pair counts in a primitive map, for each pair the words it occurs
 * in, and a max-heap of (count, pair) whose stale entries are skipped; a merge touches only the words holding
 * its pair. A pair's count can only fall after the step that created it (later merges create only pairs with
 * their own new id), so a heap entry is an upper bound, and a stale one is pushed back with the current count.
 */
public final class BpeTrainer {
    private BpeTrainer() {}

    /** A distinct pre-tokenized piece (its bytes) and how often it occurs in the corpus. */
    public record Word(byte[] bytes, long count) {}

    /**
     * One learned merge: symbols left and right (ids) joined into the new symbol id, and the pair's count when
     * chosen.
     */
    public record Merge(int left, int right, int id, long count) {}

    /** Called after every merge with (merges done so far, the merge just made). */
    @FunctionalInterface
    public interface Progress {
        void merged(int done, Merge merge);
    }

    /**
     * Learns up to {@code merges} merges; stops earlier when no adjacent pair is left.
     *
     * @param progress told of each merge as it is made; null for no reports
     * @throws IllegalArgumentException if {@code merges} or a word's count is negative
     */
    public static List<Merge> train(List<Word> words, int merges, Progress progress) {
        if (merges < 0) {
            throw new IllegalArgumentException("merges must be >= 0, got " + merges);
        }
        Learner learner = new Learner(distinct(words));
        List<Merge> out = new ArrayList<>();
        while (out.size() < merges) {
            Merge merge = learner.next(256 + out.size());
            if (merge == null) {
                break;
            }
            out.add(merge);
            if (progress != null) {
                progress.merged(out.size(), merge);
            }
        }
        return out;
    }

    /** The non-empty words, equal ones summed, in unsigned byte order, those of count 0 left out (they add nothing). */
    private static List<Word> distinct(List<Word> words) {
        List<Word> sorted = new ArrayList<>(words.size());
        for (Word w : words) {
            if (w.count() < 0) {
                throw new IllegalArgumentException("a word's count must be >= 0, got " + w.count());
            }
            if (w.bytes().length > 0) {
                sorted.add(w);
            }
        }
        sorted.sort((a, b) -> Arrays.compareUnsigned(a.bytes(), b.bytes()));
        List<Word> out = new ArrayList<>(sorted.size());
        for (int i = 0; i < sorted.size(); ) {
            byte[] bytes = sorted.get(i).bytes();
            long count = 0;
            for (; i < sorted.size() && Arrays.equals(bytes, sorted.get(i).bytes()); i++) {
                count = Math.addExact(count, sorted.get(i).count());
            }
            if (count > 0) {
                out.add(new Word(bytes, count));
            }
        }
        return out;
    }

    private static long key(int left, int right) {
        return (long) left << 32 | (right & 0xffffffffL);
    }

    /** The words as symbol ids, the pairs and the heap, advanced one merge at a time. */
    private static final class Learner {
        /** Each word's symbols; the first {@link #lengths}[w] are live (merges shorten words in place). */
        private final int[][] symbols;
        private final int[] lengths;
        private final long[] counts;
        private final Pairs pairs = new Pairs();
        private final Heap heap = new Heap();

        Learner(List<Word> words) {
            int n = words.size();
            symbols = new int[n][];
            lengths = new int[n];
            counts = new long[n];
            for (int w = 0; w < n; w++) {
                byte[] bytes = words.get(w).bytes();
                int[] s = new int[bytes.length];
                for (int i = 0; i < s.length; i++) {
                    s[i] = bytes[i] & 0xff;
                }
                symbols[w] = s;
                lengths[w] = s.length;
                counts[w] = words.get(w).count();
                for (int i = 0; i + 1 < s.length; i++) {
                    int p = pairs.slot(key(s[i], s[i + 1]));
                    pairs.counts[p] += counts[w];
                    pairs.addHolder(p, w);
                }
            }
            for (int p = 0; p < pairs.size; p++) {
                heap.push(pairs.counts[p], pairs.keys[p]);
            }
        }

        /** Makes the best pair symbol {@code id} in every word holding it; null when no pair is left. */
        Merge next(int id) {
            while (heap.size > 0) {
                long count = heap.topCount();
                long key = heap.topKey();
                heap.pop();
                int p = pairs.find(key);
                long current = pairs.counts[p];
                if (current != count) {
                    if (current > 0) {
                        heap.push(current, key); // stale: fallen since pushed, so back in at its place now
                    }
                    continue;
                }
                int left = (int) (key >>> 32);
                int right = (int) key;
                int[] holders = pairs.holders[p];
                int held = pairs.held[p];
                pairs.holders[p] = null; // a merged pair never occurs again: its holders are done with
                int firstNew = pairs.size;
                for (int h = 0; h < held; h++) {
                    apply(holders[h], left, right, id);
                }
                // the slots made in this step are exactly the pairs with the new id, complete now
                for (int q = firstNew; q < pairs.size; q++) {
                    heap.push(pairs.counts[q], pairs.keys[q]);
                }
                return new Merge(left, right, id, count);
            }
            return null;
        }

        /** Merges (left, right) into id in word w, moving its pairs' counts; w may no longer hold the pair. */
        private void apply(int w, int left, int right, int id) {
            int[] s = symbols[w];
            int n = lengths[w];
            int first = 0;
            while (first + 1 < n && !(s[first] == left && s[first + 1] == right)) {
                first++;
            }
            if (first + 1 >= n) {
                return; // an earlier merge took the pair from this word
            }
            long c = counts[w];
            // pairs ending before the first occurrence's left neighbour are unchanged: skip them
            int from = Math.max(0, first - 1);
            for (int i = from; i + 1 < n; i++) {
                pairs.counts[pairs.find(key(s[i], s[i + 1]))] -= c;
            }
            int m = first;
            for (int i = first; i < n; ) {
                if (i + 1 < n && s[i] == left && s[i + 1] == right) {
                    s[m++] = id;
                    i += 2;
                } else {
                    s[m++] = s[i++];
                }
            }
            lengths[w] = m;
            for (int i = from; i + 1 < m; i++) {
                int p = pairs.slot(key(s[i], s[i + 1]));
                pairs.counts[p] += c;
                if (s[i] == id || s[i + 1] == id) {
                    pairs.addHolder(p, w); // only pairs with id are new to w; the others already list it
                }
            }
        }
    }

    /**
     * Pairs by key (open addressing, linear probing) to dense slots holding each pair's key, count and holders:
     * the words it has occurred in, each once (a word is added while it alone is being scanned, so a repeat is
     * the last entry). Slots are never removed: a pair whose count falls to 0 just stays at 0.
     */
    private static final class Pairs {
        private static final long EMPTY = -1; // keys are never negative: ids are
        private long[] table = filled(1 << 12);
        private int[] slotOf = new int[1 << 12];
        int size;
        long[] keys = new long[1 << 11];
        long[] counts = new long[1 << 11];
        int[][] holders = new int[1 << 11][];
        int[] held = new int[1 << 11];

        /** The slot of key; it must be there. */
        int find(long key) {
            int mask = table.length - 1;
            for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
                if (table[i] == key) {
                    return slotOf[i];
                }
                if (table[i] == EMPTY) {
                    throw new IllegalStateException("pair " + (key >>> 32) + "," + (int) key + " was never counted");
                }
            }
        }

        /** The slot of key, made (count 0, no holders) if it has none. */
        int slot(long key) {
            int mask = table.length - 1;
            int i = hash(key) & mask;
            for (; table[i] != EMPTY; i = (i + 1) & mask) {
                if (table[i] == key) {
                    return slotOf[i];
                }
            }
            if (size == keys.length) {
                int cap = size * 2;
                keys = Arrays.copyOf(keys, cap);
                counts = Arrays.copyOf(counts, cap);
                holders = Arrays.copyOf(holders, cap);
                held = Arrays.copyOf(held, cap);
            }
            int p = size++;
            keys[p] = key;
            table[i] = key;
            slotOf[i] = p;
            if (size * 2 > table.length) { // at most half full, so probes stay short
                rehash(table.length * 2);
            }
            return p;
        }

        void addHolder(int p, int w) {
            int[] h = holders[p];
            int n = held[p];
            if (h == null) {
                holders[p] = h = new int[2];
            } else if (h[n - 1] == w) {
                return;
            } else if (n == h.length) {
                holders[p] = h = Arrays.copyOf(h, n * 2);
            }
            h[n] = w;
            held[p] = n + 1;
        }

        private void rehash(int capacity) {
            table = filled(capacity);
            slotOf = new int[capacity];
            int mask = capacity - 1;
            for (int p = 0; p < size; p++) {
                int i = hash(keys[p]) & mask;
                while (table[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                table[i] = keys[p];
                slotOf[i] = p;
            }
        }

        private static long[] filled(int capacity) {
            long[] t = new long[capacity];
            Arrays.fill(t, EMPTY);
            return t;
        }

        private static int hash(long key) {
            long h = key * 0x9E3779B97F4A7C15L; // Fibonacci hashing: the high bits mix both ids
            return (int) (h >>> 32) ^ (int) h;
        }
    }

    /** A binary max-heap of (count, key): higher count first, then smaller key, i.e. smaller (left, right). */
    private static final class Heap {
        private long[] counts = new long[1 << 11];
        private long[] keys = new long[1 << 11];
        int size;

        long topCount() {
            return counts[0];
        }

        long topKey() {
            return keys[0];
        }

        void push(long count, long key) {
            if (size == counts.length) {
                counts = Arrays.copyOf(counts, size * 2);
                keys = Arrays.copyOf(keys, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!before(count, key, counts[parent], keys[parent])) {
                    break;
                }
                counts[i] = counts[parent];
                keys[i] = keys[parent];
                i = parent;
            }
            counts[i] = count;
            keys[i] = key;
        }

        void pop() {
            long count = counts[--size];
            long key = keys[size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && before(counts[child + 1], keys[child + 1], counts[child], keys[child])) {
                    child++;
                }
                if (!before(counts[child], keys[child], count, key)) {
                    break;
                }
                counts[i] = counts[child];
                keys[i] = keys[child];
                i = child;
            }
            counts[i] = count;
            keys[i] = key;
        }

        private static boolean before(long countA, long keyA, long countB, long keyB) {
            return countA > countB || (countA == countB && keyA < keyB);
        }
    }
}
