package diloco.data;

import org.apache.spark.api.java.JavaRDD;

import scala.Tuple3;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which documents validate and which worker trains on each: pure functions of the document id,
 * so every run over the same data makes the same split.
 */
public final class Split {
    private Split() {}

    /** Validation iff the id's hash falls below the fraction. Independent of the training seed. */
    public static boolean isValidation(String id, double valFraction) {
        return valFraction > 0 && Hashing.unit(Hashing.mix(Hashing.hash(id), 0x76616cL)) < valFraction;
    }

    /** The worker that trains on this document: a seeded hash of its id modulo k. */
    public static int workerOf(String id, long seed, int workers) {
        return (int) Long.remainderUnsigned(Hashing.mix(Hashing.hash(id), seed), workers);
    }

    /**
     * Non-i.i.d. assignment: documents sorted by a key taken from their id (the first group of
     * {@code regex}, or the whole match; no match = the empty key), then cut into k contiguous
     * ranges of about equal tokens, so each worker sees a different part of the key's range
     * (for the State of the Union corpus, {@code ^(\d{4})} gives each worker its own era).
     */
    public static Map<String, Integer> contiguousByKey(JavaRDD<Document> docs, String regex, int workers) {
        List<Tuple3<String, String, Integer>> rows = new ArrayList<>(docs.map(d -> {
            Matcher m = Pattern.compile(regex).matcher(d.id());
            String key = !m.find() ? "" : m.groupCount() >= 1 && m.group(1) != null ? m.group(1) : m.group();
            return new Tuple3<>(key, d.id(), d.tokens().length());
        }).collect());
        rows.sort(Comparator.comparing((Tuple3<String, String, Integer> t) -> t._1()).thenComparing(Tuple3::_2));
        long total = 0;
        for (Tuple3<String, String, Integer> r : rows) {
            total += r._3();
        }
        Map<String, Integer> assignment = new HashMap<>();
        long before = 0;
        for (Tuple3<String, String, Integer> r : rows) {
            double middle = before + r._3() / 2.0;
            assignment.put(r._2(), (int) Math.min(workers - 1, Math.floor(middle * workers / Math.max(1, total))));
            before += r._3();
        }
        return assignment;
    }
}
