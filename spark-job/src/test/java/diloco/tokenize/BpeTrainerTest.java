package diloco.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/** BPE merges against merges worked out by hand and against a naive trainer written here. */
class BpeTrainerTest {

    static BpeTrainer.Word word(String s, long count) {
        return new BpeTrainer.Word(s.getBytes(StandardCharsets.ISO_8859_1), count);
    }

    static final List<BpeTrainer.Word> SENNRICH = List.of(word("low", 5), word("lower", 2), word("newest", 6),
            word("widest", 3));

    /**
     * Sennrich et al.'s corpus, by hand (ids: d 100, e 101, i 105, l 108, n 110, o 111, s 115, t 116, w 119):
     * counts (e,s) 9, (s,t) 9, (w,e) 8, (l,o) 7, (o,w) 7, (n,e) 6, (e,w) 6, ...
     * 1. (e,s) 9 beats (s,t) 9 on the smaller left id: es = 256;
     * 2. (es,t) 9: est = 257;
     * 3. (l,o) 7 beats (o,w) 7: lo = 258;  4. (lo,w) 7: low = 259 ((w,e) is now 2, only in "lower");
     * 5. of (n,e) 6, (e,w) 6, (w,est) 6 the smallest left is e: ew = 260;
     * 6. (n,ew) 6 beats (ew,est) 6: new = 261;  7. (new,est) 6: newest = 262;
     * 8. of (w,i) 3, (i,d) 3, (d,est) 3 the smallest left is d: dest = 263.
     */
    @Test
    void theMergesOfAHandWorkedCorpus() {
        List<BpeTrainer.Merge> expected = List.of(
                new BpeTrainer.Merge(101, 115, 256, 9),
                new BpeTrainer.Merge(256, 116, 257, 9),
                new BpeTrainer.Merge(108, 111, 258, 7),
                new BpeTrainer.Merge(258, 119, 259, 7),
                new BpeTrainer.Merge(101, 119, 260, 6),
                new BpeTrainer.Merge(110, 260, 261, 6),
                new BpeTrainer.Merge(261, 257, 262, 6),
                new BpeTrainer.Merge(100, 257, 263, 3));
        assertEquals(expected, BpeTrainer.train(SENNRICH, 8, (d, m) -> { }));
    }

    /** "aaa": (a,a) counts twice; the merge leaves [aa, a]; then (aa,a) once; then nothing is left to merge. */
    @Test
    void overlappingPairsCountTwiceAndMergeLeftToRight() {
        List<BpeTrainer.Merge> merges = BpeTrainer.train(List.of(word("aaa", 1)), 10, (d, m) -> { });
        assertEquals(List.of(new BpeTrainer.Merge(97, 97, 256, 2), new BpeTrainer.Merge(256, 97, 257, 1)), merges);
    }

    @Test
    void theOrderOfWordsAndDuplicatesDoNotMatter() {
        List<BpeTrainer.Merge> reference = BpeTrainer.train(SENNRICH, 8, (d, m) -> { });
        Random shuffle = new Random(5);
        for (int trial = 0; trial < 5; trial++) {
            List<BpeTrainer.Word> words = new ArrayList<>();
            for (BpeTrainer.Word w : SENNRICH) { // each word split in two entries with the same total
                words.add(new BpeTrainer.Word(w.bytes().clone(), 1));
                words.add(new BpeTrainer.Word(w.bytes().clone(), w.count() - 1));
            }
            words.add(word("", 100)); // empty words are ignored
            Collections.shuffle(words, shuffle);
            assertEquals(reference, BpeTrainer.train(words, 8, (d, m) -> { }), "trial " + trial);
        }
    }

    /** The incremental trainer against a naive one (every pair recounted each step) on a random corpus. */
    @Test
    void agreesWithANaiveTrainer() {
        SplittableRandom rng = new SplittableRandom(11);
        List<BpeTrainer.Word> words = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + rng.nextInt(12);
            for (int j = 0; j < len; j++) {
                sb.append("abcd".charAt(rng.nextInt(4)));
            }
            words.add(word(sb.toString(), 1 + rng.nextInt(20)));
        }
        assertEquals(naive(words, 100), BpeTrainer.train(words, 100, (d, m) -> { }));
    }

    @Test
    void progressAndBadInput() {
        List<Integer> done = new ArrayList<>();
        BpeTrainer.train(SENNRICH, 4, (d, m) -> done.add(d));
        assertEquals(List.of(1, 2, 3, 4), done);
        assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train(SENNRICH, -1, (d, m) -> { }));
        assertEquals(List.of(), BpeTrainer.train(SENNRICH, 0, (d, m) -> { }));
    }

    /** A larger corpus finishes (no timing asserted: the benchmark of this is the tokenizer command's log). */
    @Test
    void manyMergesOverManyWords() {
        SplittableRandom rng = new SplittableRandom(2);
        List<BpeTrainer.Word> words = new ArrayList<>();
        for (int i = 0; i < 20000; i++) {
            byte[] b = new byte[2 + rng.nextInt(10)];
            for (int j = 0; j < b.length; j++) {
                b[j] = (byte) ('a' + (int) Math.min(25, Math.abs(rng.nextGaussian()) * 6));
            }
            words.add(new BpeTrainer.Word(b, 1 + rng.nextInt(50)));
        }
        assertEquals(2000, BpeTrainer.train(words, 2000, (d, m) -> { }).size());
    }

    /** Recounts every pair of every word before each merge; the same tie rule; left-to-right replacement. */
    static List<BpeTrainer.Merge> naive(List<BpeTrainer.Word> words, int merges) {
        List<List<Integer>> symbols = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        for (BpeTrainer.Word w : words) {
            List<Integer> s = new ArrayList<>();
            for (byte b : w.bytes()) {
                s.add(b & 0xff);
            }
            symbols.add(s);
            counts.add(w.count());
        }
        List<BpeTrainer.Merge> out = new ArrayList<>();
        for (int m = 0; m < merges; m++) {
            java.util.Map<List<Integer>, Long> pairs = new java.util.HashMap<>();
            for (int w = 0; w < symbols.size(); w++) {
                List<Integer> s = symbols.get(w);
                for (int i = 0; i + 1 < s.size(); i++) {
                    pairs.merge(List.of(s.get(i), s.get(i + 1)), counts.get(w), Long::sum);
                }
            }
            List<Integer> best = null;
            long bestCount = 0;
            for (java.util.Map.Entry<List<Integer>, Long> e : pairs.entrySet()) {
                List<Integer> p = e.getKey();
                long c = e.getValue();
                if (c > bestCount || (c == bestCount && best != null && (p.get(0) < best.get(0)
                        || (p.get(0).equals(best.get(0)) && p.get(1) < best.get(1))))) {
                    best = p;
                    bestCount = c;
                }
            }
            if (best == null) {
                break;
            }
            int id = 256 + m;
            out.add(new BpeTrainer.Merge(best.get(0), best.get(1), id, bestCount));
            for (List<Integer> s : symbols) {
                for (int i = 0; i + 1 < s.size(); i++) {
                    if (s.get(i).equals(best.get(0)) && s.get(i + 1).equals(best.get(1))) {
                        s.set(i, id);
                        s.remove(i + 1);
                    }
                }
            }
        }
        return out;
    }
}
