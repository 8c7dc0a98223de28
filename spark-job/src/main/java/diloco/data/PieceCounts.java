package diloco.data;

import diloco.tokenize.BpeTrainer;
import diloco.tokenize.ByteSymbols;
import diloco.tokenize.Gpt2Pieces;

import org.apache.spark.api.java.JavaRDD;

import scala.Tuple2;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The distinct pre-tokenized pieces of a corpus and their counts, counted on the executors (each
 * partition's counts combined before the shuffle) so that only distinct pieces reach the driver,
 * where {@link BpeTrainer} learns the merges.
 */
public final class PieceCounts {
    private PieceCounts() {}

    /** Every distinct piece of {@code documents} with its count; the order is not defined (the trainer needs none). */
    public static List<BpeTrainer.Word> count(JavaRDD<Document> documents) {
        List<Tuple2<String, Long>> counted = documents.mapPartitionsToPair(docs -> {
            Map<String, Long> local = new HashMap<>();
            docs.forEachRemaining(d -> Gpt2Pieces.each(d.tokens().bytes(), p -> local.merge(p, 1L, Long::sum)));
            List<Tuple2<String, Long>> out = new ArrayList<>(local.size());
            local.forEach((piece, n) -> out.add(new Tuple2<>(piece, n)));
            return out.iterator();
        }).reduceByKey(Long::sum).collect();
        List<BpeTrainer.Word> words = new ArrayList<>(counted.size());
        for (Tuple2<String, Long> t : counted) {
            words.add(new BpeTrainer.Word(ByteSymbols.bytes(t._1()), t._2()));
        }
        return words;
    }
}
