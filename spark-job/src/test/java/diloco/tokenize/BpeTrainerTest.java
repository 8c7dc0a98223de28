package diloco.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.tokenize.BpeTrainer.Merge;
import diloco.tokenize.BpeTrainer.Word;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;

/** BPE merges against merges worked out by hand, and against a naive trainer written here. */
class BpeTrainerTest {
    private static final BpeTrainer.Progress QUIET = (done, merge) -> { };

    static Word word(String s, long count) {
        return new Word(s.getBytes(StandardCharsets.ISO_8859_1), count);
    }

    /** Sennrich et al.'s example corpus. */
    static final List<Word> SENNRICH = List.of(word("low", 5), word("lower", 2), word("newest", 6), word("widest", 3));

    /**
     * Sennrich's corpus merged by hand to the end (ids: d 100, e 101, i 105, l 108, n 110, o 111, r 114, s 115,
     * t 116, w 119). Start: (l,o) 5+2 = 7, (o,w) 7, (w,e) 2+6 = 8, (e,r) 2, (n,e) 6, (e,w) 6, (e,s) 6+3 = 9,
     * (s,t) 9, (w,i) 3, (i,d) 3, (d,e) 3.
     * <ol>
     *   <li>(e,s) 9 and (s,t) 9 tie; left e 101 < s 115: es = 256. newest = n e w es t, widest = w i d es t;
     *       (w,e) falls to 2, (d,e) and (s,t) to 0.</li>
     *   <li>(es,t) 9: est = 257.</li>
     *   <li>(l,o) 7 and (o,w) 7 tie; l 108 < o 111: lo = 258.</li>
     *   <li>(lo,w) 7: low = 259; lower = low e r.</li>
     *   <li>(n,e), (e,w), (w,est) tie at 6; e 101 is the smallest left: ew = 260; newest = n ew est.</li>
     *   <li>(n,ew) 6 and (ew,est) 6 tie; n 110 < 260: new = 261.</li>
     *   <li>(new,est) 6: newest = 262.</li>
     *   <li>(w,i), (i,d), (d,est) tie at 3; d 100 is the smallest left: dest = 263.</li>
     *   <li>(w,i) 3 and (i,dest) 3 tie; i 105 < w 119: idest = 264.</li>
     *   <li>(w,idest) 3: widest = 265.</li>
     *   <li>(low,e) 2 and (e,r) 2 tie; e 101 < 259: er = 266.</li>
     *   <li>(low,er) 2: lower = 267. Every word is one symbol now: no pair left after 12 merges.</li>
     * </ol>
     */
    static final List<Merge> SENNRICH_MERGES = List.of(
            new Merge(101, 115, 256, 9),
            new Merge(256, 116, 257, 9),
            new Merge(108, 111, 258, 7),
            new Merge(258, 119, 259, 7),
            new Merge(101, 119, 260, 6),
            new Merge(110, 260, 261, 6),
            new Merge(261, 257, 262, 6),
            new Merge(100, 257, 263, 3),
            new Merge(105, 263, 264, 3),
            new Merge(119, 264, 265, 3),
            new Merge(101, 114, 266, 2),
            new Merge(259, 266, 267, 2));

    @Test
    void theMergesOfAHandWorkedCorpus() {
        assertEquals(SENNRICH_MERGES, BpeTrainer.train(SENNRICH, 20, QUIET));
        assertEquals(SENNRICH_MERGES.subList(0, 6), BpeTrainer.train(SENNRICH, 6, QUIET));
    }

    /** "aaa": (a,a) at 2 positions; merged left to right it is [aa, a]; then (aa,a) once; then nothing. */
    @Test
    void overlappingPairsCountEachPositionAndMergeLeftToRight() {
        assertEquals(List.of(new Merge(97, 97, 256, 2), new Merge(256, 97, 257, 1)),
                BpeTrainer.train(List.of(word("aaa", 1)), 10, QUIET));
        // "aaaa" ×2: (a,a) at 3 positions × 2 = 6; it becomes [aa, aa], with no (a,a) left over; (aa,aa) 2
        assertEquals(List.of(new Merge(97, 97, 256, 6), new Merge(256, 256, 257, 2)),
                BpeTrainer.train(List.of(word("aaaa", 2)), 10, QUIET));
    }

    /** Bytes above 127 are ids 128..255 (unsigned): é in UTF-8 is C3 A9 = 195 169. */
    @Test
    void bytesAreUnsignedIds() {
        Word e = new Word("é".getBytes(StandardCharsets.UTF_8), 4);
        assertEquals(List.of(new Merge(195, 169, 256, 4)), BpeTrainer.train(List.of(e), 5, QUIET));
    }

    @Test
    void theOrderOfWordsAndTheirDuplicatesDoNotMatter() {
        Random random = new Random(5);
        for (int trial = 0; trial < 5; trial++) {
            List<Word> words = new ArrayList<>();
            for (Word w : SENNRICH) { // each word split into entries with the same total
                long first = 1 + random.nextInt((int) w.count());
                words.add(new Word(w.bytes().clone(), first));
                words.add(new Word(w.bytes().clone(), w.count() - first)); // may be 0: adds nothing
            }
            words.add(word("", 100)); // empty words are ignored
            Collections.shuffle(words, random);
            assertEquals(SENNRICH_MERGES, BpeTrainer.train(words, 20, QUIET), "trial " + trial);
        }
        List<Word> corpus = randomCorpus(new SplittableRandom(3), 400, "abcde", 10);
        List<Merge> reference = BpeTrainer.train(corpus, 150, QUIET);
        for (int trial = 0; trial < 5; trial++) {
            List<Word> words = new ArrayList<>();
            for (Word w : corpus) {
                for (long left = w.count(); left > 0; ) { // into random parts, each its own copy of the bytes
                    long part = 1 + random.nextInt((int) left);
                    words.add(new Word(w.bytes().clone(), part));
                    left -= part;
                }
            }
            Collections.shuffle(words, random);
            assertEquals(reference, BpeTrainer.train(words, 150, QUIET), "trial " + trial);
        }
    }

    /** The incremental trainer against a naive one (every pair recounted each step) on random corpora. */
    @Test
    void agreesWithANaiveTrainer() {
        for (int seed = 0; seed < 4; seed++) {
            String alphabet = seed % 2 == 0 ? "abcd" : "ab"; // two letters: long runs, many overlaps
            List<Word> words = randomCorpus(new SplittableRandom(seed), 300, alphabet, 12);
            words.add(word("abab", 0)); // count 0: adds nothing to any pair
            List<Merge> expected = naive(words, 100);
            assertTrue(expected.size() >= 50, "a corpus rich enough to test: " + expected.size());
            assertEquals(expected, BpeTrainer.train(words, 100, QUIET), "seed " + seed);
        }
    }

    @Test
    void progressAndBadInput() {
        List<Integer> done = new ArrayList<>();
        List<Merge> told = new ArrayList<>();
        List<Merge> merges = BpeTrainer.train(SENNRICH, 4, (d, m) -> {
            done.add(d);
            told.add(m);
        });
        assertEquals(List.of(1, 2, 3, 4), done);
        assertEquals(merges, told);
        assertEquals(List.of(), BpeTrainer.train(SENNRICH, 0, QUIET));
        assertEquals(List.of(), BpeTrainer.train(List.of(word("ab", 0), word("", 3)), 5, QUIET),
                "a pair of count 0 never merges");
        assertEquals(SENNRICH_MERGES, BpeTrainer.train(SENNRICH, 20, null), "null: no reports");
        assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train(SENNRICH, -1, QUIET));
        assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train(List.of(word("ab", -1)), 5, QUIET));
    }

    /** A larger corpus finishes (no timing asserted: this is to catch a blow-up, not to measure). */
    @Test
    void manyMergesOverManyWords() {
        SplittableRandom rng = new SplittableRandom(2);
        List<Word> words = new ArrayList<>();
        for (int i = 0; i < 20000; i++) {
            byte[] b = new byte[2 + rng.nextInt(10)];
            for (int j = 0; j < b.length; j++) { // skewed letters, as in text: some pairs far more common
                b[j] = (byte) ('a' + (int) Math.min(25, Math.abs(rng.nextGaussian()) * 6));
            }
            words.add(new Word(b, 1 + rng.nextInt(50)));
        }
        assertEquals(2000, BpeTrainer.train(words, 2000, QUIET).size());
    }

    static List<Word> randomCorpus(SplittableRandom rng, int n, String alphabet, int maxLength) {
        List<Word> words = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            int length = 1 + rng.nextInt(maxLength);
            for (int j = 0; j < length; j++) {
                sb.append(alphabet.charAt(rng.nextInt(alphabet.length())));
            }
            words.add(word(sb.toString(), 1 + rng.nextInt(20)));
        }
        return words;
    }

    /**
     * Deliberately simple: each step recounts every pair of every word (duplicates and all) into maps sorted by
     * (left, right), takes the first pair of the highest count (so ties go to the smallest pair), and rewrites
     * every word left to right.
     */
    static List<Merge> naive(List<Word> words, int merges) {
        List<List<Integer>> symbols = new ArrayList<>();
        for (Word w : words) {
            List<Integer> s = new ArrayList<>();
            for (byte b : w.bytes()) {
                s.add(b & 0xff);
            }
            symbols.add(s);
        }
        List<Merge> out = new ArrayList<>();
        for (int id = 256; out.size() < merges; id++) {
            Map<Integer, Map<Integer, Long>> counts = new TreeMap<>();
            for (int w = 0; w < symbols.size(); w++) {
                List<Integer> s = symbols.get(w);
                for (int i = 0; i + 1 < s.size(); i++) {
                    counts.computeIfAbsent(s.get(i), k -> new TreeMap<>())
                            .merge(s.get(i + 1), words.get(w).count(), Long::sum);
                }
            }
            int bestLeft = -1;
            int bestRight = -1;
            long best = 0; // a pair must beat 0 to merge
            for (Map.Entry<Integer, Map<Integer, Long>> l : counts.entrySet()) {
                for (Map.Entry<Integer, Long> r : l.getValue().entrySet()) {
                    if (r.getValue() > best) { // strictly: an equal count later in (left, right) order loses
                        best = r.getValue();
                        bestLeft = l.getKey();
                        bestRight = r.getKey();
                    }
                }
            }
            if (bestLeft < 0) {
                break;
            }
            out.add(new Merge(bestLeft, bestRight, id, best));
            for (int w = 0; w < symbols.size(); w++) {
                List<Integer> s = symbols.get(w);
                List<Integer> merged = new ArrayList<>();
                for (int i = 0; i < s.size(); i++) {
                    if (i + 1 < s.size() && s.get(i) == bestLeft && s.get(i + 1) == bestRight) {
                        merged.add(id);
                        i++;
                    } else {
                        merged.add(s.get(i));
                    }
                }
                symbols.set(w, merged);
            }
        }
        return out;
    }
}
