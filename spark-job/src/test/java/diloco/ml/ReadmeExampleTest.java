package diloco.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** The README's Java example, verbatim between the markers (DocsTest compares the two), run here. */
class ReadmeExampleTest {
    @TempDir
    Path tmp;

    @Test
    void theReadmeExampleRuns() throws Exception {
        SparkSession spark = TestSupport.spark();
        String corpus = TestSupport.writeCorpus(tmp.resolve("sotu")).toString();
        String runs = tmp.toString();
        // BEGIN README EXAMPLE
        Dataset<Row> docs = spark.read().option("wholetext", "true").text(corpus).withColumnRenamed("value", "text");
        DiLoCoModel model = new DiLoCo()
                .setPreset("small").setWorkers(2).setInnerSteps(20).setRounds(3)
                .setInnerLr(3e-3f).setWarmupSteps(10).setValFraction(0.2)
                .setOutputDir(runs + "/estimator") // checkpoints, metrics.jsonl, loss.png, time.png
                .fit(docs);
        model.summary().select("round", "inner_loss", "val_loss").show();
        model.transform(docs).select("perplexity").show(3);
        System.out.println(model.generate("The Congress shall", 100, 0.8, 20, 0L));
        model.write().overwrite().save(runs + "/estimator-model");
        DiLoCoModel same = DiLoCoModel.load(runs + "/estimator-model");
        // END README EXAMPLE
        assertEquals(3, model.summary().count());
        assertTrue(Files.exists(tmp.resolve("estimator/loss.png")));
        assertArrayEquals(model.parameters(), same.parameters(), 0f);
    }
}
