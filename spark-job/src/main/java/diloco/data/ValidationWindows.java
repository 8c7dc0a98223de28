package diloco.data;

import diloco.option.UserError;

import org.apache.spark.api.java.JavaRDD;

import scala.Tuple2;
import scala.Tuple3;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The fixed validation set: {@code n} windows of T+1 tokens at seeded random offsets in the
 * validation documents concatenated by id. Only the windows reach the driver, never the documents,
 * so a large validation split costs the driver nothing.
 */
public final class ValidationWindows {
    private ValidationWindows() {}

    public static int[][] extract(JavaRDD<Document> valDocs, int n, int context, long seed) {
        List<Tuple2<String, Integer>> lengths = new ArrayList<>(
                valDocs.map(d -> new Tuple2<>(d.id(), d.tokens().length())).collect());
        lengths.sort(Comparator.comparing(Tuple2::_1));
        Map<String, Long> offsets = new HashMap<>();
        long total = 0;
        for (Tuple2<String, Integer> t : lengths) {
            offsets.put(t._1(), total);
            total += t._2();
        }
        int window = context + 1;
        UserError.check(total >= window,
                "the validation split has %d tokens, fewer than --context+1 = %d: raise --val-fraction, or pass --val-fraction 0 to skip validation",
                total, window);
        SplittableRandom rng = new SplittableRandom(seed);
        long[] starts = new long[n];
        for (int i = 0; i < n; i++) {
            starts[i] = rng.nextLong(total - window + 1);
        }
        Arrays.sort(starts);
        // Each document contributes the slices of the windows that overlap it.
        List<Tuple3<Integer, Integer, int[]>> pieces = valDocs.flatMap(d -> {
            long from = offsets.get(d.id());
            long to = from + d.tokens().length();
            List<Tuple3<Integer, Integer, int[]>> out = new ArrayList<>();
            int first = lowerBound(starts, from - window + 1);
            for (int w = first; w < starts.length && starts[w] < to; w++) {
                long a = Math.max(starts[w], from);
                long b = Math.min(starts[w] + window, to);
                if (a < b) {
                    int[] slice = new int[(int) (b - a)];
                    d.tokens().copyTo((int) (a - from), slice.length, slice, 0);
                    out.add(new Tuple3<>(w, (int) (a - starts[w]), slice));
                }
            }
            return out.iterator();
        }).collect();
        int[][] windows = new int[n][window];
        int[] filled = new int[n];
        for (Tuple3<Integer, Integer, int[]> p : pieces) {
            System.arraycopy(p._3(), 0, windows[p._1()], p._2(), p._3().length);
            filled[p._1()] += p._3().length;
        }
        for (int w = 0; w < n; w++) {
            if (filled[w] != window) {
                throw new IllegalStateException("validation window " + w + " got " + filled[w] + " of " + window
                        + " tokens: the data changed while it was read");
            }
        }
        return windows;
    }

    private static int lowerBound(long[] sorted, long key) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
