package diloco.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.cli.CommandLine;
import diloco.config.Options;
import diloco.config.TrainConfig;
import diloco.io.HuggingFaceGpt2;
import diloco.io.Json;
import diloco.option.Option;
import diloco.option.UserError;
import diloco.tokenize.Tokenizers;

import org.apache.hadoop.conf.Configuration;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** The Spark ML API on a real local SparkSession: fit, transform, generate, summary, save and load. */
class DiLoCoTest {
    @TempDir
    static Path tmp;
    static Dataset<Row> docs;
    static DiLoCoModel model;
    static final List<String> LOG = new ArrayList<>();

    /** A tiny, fast configuration (as TestSupport.tinyConfig) through the Estimator's setters. */
    static DiLoCo tiny() {
        return new DiLoCo().setPreset("tiny").setWorkers(2).setInnerSteps(5).setRounds(3).setBatchSize(8)
                .setInnerLr(3e-3f).setWarmupSteps(2).setValFraction(0.2).setValWindows(16).setThreadsPerWorker(1);
    }

    static Dataset<Row> documents(List<String> texts) {
        List<Row> rows = new ArrayList<>();
        for (String t : texts) {
            rows.add(RowFactory.create(t));
        }
        return TestSupport.spark().createDataFrame(rows, new StructType().add("text", DataTypes.StringType));
    }

    @BeforeAll
    static void fit() throws Exception {
        Logger logger = (Logger) LogManager.getLogger(DiLoCo.class.getName());
        AbstractAppender capture = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                synchronized (LOG) {
                    LOG.add(event.getMessage().getFormattedMessage());
                }
            }
        };
        capture.start();
        logger.addAppender(capture);
        logger.setLevel(org.apache.logging.log4j.Level.INFO);
        docs = documents(TestSupport.paragraphs());
        model = tiny().setRounds(4).setOutputDir(tmp.resolve("fit").toString()).fit(docs);
    }

    @Test
    void fitLowersValidationLossAndLogsEachRound() {
        List<Row> history = model.summary().orderBy("round").collectAsList();
        assertEquals(4, history.size());
        double last = history.get(3).getDouble(history.get(3).fieldIndex("val_loss"));
        assertEquals(Math.log(256), model.initialValLoss(), 0.1, "an untrained byte model is near uniform");
        assertTrue(last < model.initialValLoss() - 1.0, model.initialValLoss() + " -> " + last);
        synchronized (LOG) {
            for (int r = 1; r <= 4; r++) {
                String round = "round " + r + "/4 | inner loss";
                assertTrue(LOG.stream().anyMatch(l -> l.startsWith(round)), "progress line of round " + r + ": " + LOG);
            }
        }
        assertTrue(Files.exists(tmp.resolve("fit/metrics.jsonl")) && Files.exists(tmp.resolve("fit/loss.png"))
                && Files.exists(tmp.resolve("fit/time.png")), "the run's files are in outputDir");
    }

    /**
     * The heterogeneous modes through the Estimator's Params: three async workers, worker 2 three
     * times slower on the virtual clock; the summary's clock is that of the arrivals (workers 0 and 1
     * end jobs of 5 steps at 5, 10, 15 s, worker 2 at 15 s; ties go to the lower worker: round 1 is
     * 0@5 1@5 0@10, round 2 is 1@10 0@15 1@15).
     */
    @Test
    void asynchronousWorkersOfDifferentSpeedsThroughTheParams() {
        DiLoCoModel m = tiny().setWorkers(3).setRounds(2).setSync("async").setClock("virtual").setSimulateSlowdown("2:3")
                .setOutputDir(tmp.resolve("async").toString()).fit(docs);
        List<Row> history = m.summary().orderBy("round").collectAsList();
        assertEquals(10.0, history.get(0).getDouble(history.get(0).fieldIndex("clock")), 0.0);
        assertEquals(15.0, history.get(1).getDouble(history.get(1).fieldIndex("clock")), 0.0);
        assertTrue(history.get(1).getDouble(history.get(1).fieldIndex("val_loss")) < m.initialValLoss());
        assertEquals("--sync async cannot be combined with --merge tokens (async applies each outer gradient on its own)",
                assertThrows(UserError.class, () -> tiny().setSync("async").setMerge("tokens").fit(docs)).getMessage());
    }

    /** Every Param's default is the command line's default; the options a DataFrame replaces are not Params. */
    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void paramDefaultsAreTheCommandLinesDefaults() {
        DiLoCo est = new DiLoCo();
        TrainConfig cli = CommandLine.parse(new String[] {"--data", "x"});
        int checked = 0;
        for (Option o : Options.all()) {
            boolean isParam = est.hasParam(o.key());
            assertEquals(o.scope() == Option.Scope.EVERYWHERE, isParam, o.key());
            if (!isParam) {
                continue;
            }
            Param p = est.getParam(o.key());
            assertTrue(est.explainParam(p).contains(OptionParams.doc(o)), "doc of " + o.key());
            if (cli.get(o) == null) {
                assertFalse(est.hasDefault(p), o.key() + " has no default on the command line either");
            } else {
                assertEquals(cli.get(o), OptionParams.toOption(o, est.getOrDefault(p)), o.key());
                checked++;
            }
        }
        assertTrue(checked >= 40, "defaults compared: " + checked);
        assertFalse(est.hasParam("data") || est.hasParam("out") || est.hasParam("shutdownGrace"));
        assertEquals("text", est.getTextCol());
    }

    /** A bad value fails at set with the command line's message, the Param named instead of the flag. */
    @Test
    void badParamValuesFailWithTheCommandLinesMessage() {
        String cli = assertThrows(UserError.class, () -> CommandLine.parse(new String[] {"--data", "x", "--workers", "0"}))
                .getMessage();
        String param = assertThrows(UserError.class, () -> new DiLoCo().setWorkers(0)).getMessage();
        assertEquals("--workers must be >= 1, got 0", cli);
        assertEquals(cli.replace("--workers", "workers"), param);
        assertEquals("outerMomentum must be in [0, 1), got 1.0",
                assertThrows(UserError.class, () -> new DiLoCo().setOuterMomentum(1f)).getMessage());
        assertEquals("outerOptimizer must be one of nesterov, sgd, adam, got 'lbfgs'",
                assertThrows(UserError.class, () -> new DiLoCo().setOuterOptimizer("lbfgs")).getMessage());
        // rules between options are checked at fit, before anything is written
        Path out = tmp.resolve("never-written");
        UserError shape = assertThrows(UserError.class,
                () -> tiny().setDModel(30).setHeads(4).setOutputDir(out.toString()).fit(docs));
        assertEquals("--d-model (30) must be divisible by --heads (4)", shape.getMessage());
        UserError column = assertThrows(UserError.class, () -> tiny().setTextCol("body").fit(docs));
        assertTrue(column.getMessage().startsWith("textCol 'body' not found in the DataFrame"), column.getMessage());
        assertFalse(Files.exists(out));
    }

    /**
     * transform adds each document's perplexity, computed here independently for a document of
     * exactly one context window (T+1 bytes) straight from the model's token NLL; a one-byte
     * document gets null; random bytes are less likely than text like the training data.
     */
    @Test
    void transformAddsPerplexities() throws Exception {
        int t = model.config().context();
        String text = String.join("", TestSupport.paragraphs());
        String window = text.substring(0, t + 1);
        byte[] random = new byte[300];
        new SplittableRandom(3).nextBytes(random);
        List<Row> rows = List.of(RowFactory.create(window), RowFactory.create("x"), RowFactory.create(text.substring(0, 500)),
                RowFactory.create(new String(random, StandardCharsets.ISO_8859_1)));
        Dataset<Row> in = TestSupport.spark().createDataFrame(rows, new StructType().add("text", DataTypes.StringType));
        List<Row> out = model.transform(in).collectAsList();
        assertEquals(List.of("text", "perplexity"), List.of(model.transform(in).columns()));
        double ppl = out.get(0).getDouble(1);
        assertEquals(expectedPerplexity(window.getBytes(StandardCharsets.UTF_8)), ppl, 1e-4 * ppl);
        assertNull(out.get(1).get(1), "a one-byte document predicts nothing");
        double textPpl = out.get(2).getDouble(1);
        double noisePpl = out.get(3).getDouble(1);
        assertTrue(Double.isFinite(textPpl) && textPpl > 1 && textPpl < noisePpl, textPpl + " vs noise " + noisePpl);
    }

    private static double expectedPerplexity(byte[] window) throws Exception {
        return TestSupport.directPerplexity(model.config(), model.parameters(), window);
    }

    @Test
    void generateIsDeterministicPerSeed() {
        String a = model.generate("We the People", 40, 1.0, 0, 7L);
        String b = model.generate("We the People", 40, 1.0, 0, 7L);
        String c = model.generate("We the People", 40, 1.0, 0, 8L);
        assertEquals(a, b);
        assertNotEquals(a, c, "another seed, another sample");
        assertTrue(a.getBytes(StandardCharsets.UTF_8).length <= 40 * 3, a); // replacement chars may widen bytes
        assertEquals(model.generate("We the", 20, 0.0, 0, 1L), model.generate("We the", 20, 0.0, 0, 2L),
                "temperature 0 is greedy: the seed does not matter");
        assertEquals(model.generate("We", 10), model.generate("We", 10, 1.0, 0, 0L));
        assertThrows(UserError.class, () -> model.generate("x", -1));
    }

    /** The fitted model exported as a Hugging Face GPT-2 directory (the layout: HuggingFaceGpt2Test). */
    @Test
    void exportHuggingFaceWritesTheModelsShape() throws Exception {
        Path dir = tmp.resolve("hf");
        model.exportHuggingFace(dir.toString());
        Map<String, Object> config = Json.parseObject(Files.readString(dir.resolve(HuggingFaceGpt2.CONFIG)));
        assertEquals("gpt2", config.get("model_type"));
        assertEquals(model.config().dModel(), ((Number) config.get("n_embd")).intValue());
        assertTrue(Files.exists(dir.resolve(HuggingFaceGpt2.WEIGHTS)) && Files.exists(dir.resolve(HuggingFaceGpt2.TOKENIZER)));
    }

    /**
     * A tokenizer learned from the DataFrame trains a model in its vocabulary, which keeps it
     * through save and load; a prepared dataset of the same corpus trains through fitPrepared.
     */
    @Test
    void aLearnedTokenizerAndAPreparedDatasetThroughTheEstimator() throws Exception {
        String tok = BpeTokenizer.train(docs, "text", 300, tmp.resolve("tok").toString());
        assertEquals(300, Tokenizers.load(new Configuration(), tok).vocabSize());
        DiLoCoModel bpe = tiny().setTokenizer(tok).setOutputDir(tmp.resolve("bpe").toString()).fit(docs);
        assertEquals(300, bpe.config().vocabSize());
        String path = tmp.resolve("bpe-model").toString();
        bpe.write().overwrite().save(path);
        DiLoCoModel loaded = DiLoCoModel.load(path);
        assertEquals(bpe.generate("Congress", 30, 0.8, 5, 3L), loaded.generate("Congress", 30, 0.8, 5, 3L));
        Row scored = loaded.transform(docs).select("perplexity").first();
        assertTrue(Double.isFinite(scored.getDouble(0)), scored.toString());
        assertThrows(UserError.class, () -> BpeTokenizer.train(docs, "text", 100, tmp.resolve("tok2").toString()));

        Path corpus = TestSupport.writeCorpus(tmp.resolve("corpus-for-prepare"));
        Path ds = tmp.resolve("prepared");
        assertEquals(0, diloco.cli.Prepare.run(new String[] {"--data", corpus.toString(), "--tokenizer", tok,
                "--pieces", "4", "--val-fraction", "0.2", "--out", ds.toString()}, System.out, System.err, false));
        DiLoCoModel fromPrepared = tiny().setOutputDir(tmp.resolve("from-prepared").toString())
                .fitPrepared(TestSupport.spark(), ds.toString());
        assertEquals(300, fromPrepared.config().vocabSize(), "the dataset's tokenizer");
        assertTrue(fromPrepared.summary().count() == 3);
        UserError e = assertThrows(UserError.class, () -> tiny().fitPrepared(TestSupport.spark(), corpus.toString()));
        assertTrue(e.getMessage().contains("is not a prepared dataset"), e.getMessage());
    }

    @Test
    void saveAndLoadGiveTheSameModel() throws Exception {
        String path = tmp.resolve("saved-model").toUri().toString();
        model.write().overwrite().save(path);
        DiLoCoModel loaded = DiLoCoModel.load(path);
        assertEquals(model.uid(), loaded.uid());
        assertEquals(model.config(), loaded.config());
        assertArrayEquals(model.parameters(), loaded.parameters(), 0f);
        List<Row> before = model.transform(docs).select("perplexity").collectAsList();
        List<Row> after = loaded.transform(docs).select("perplexity").collectAsList();
        assertEquals(before, after, "identical perplexities");
        assertEquals(model.generate("Congress", 30, 0.8, 5, 3L), loaded.generate("Congress", 30, 0.8, 5, 3L));
        assertEquals(model.summary().collectAsList(), loaded.summary().collectAsList(), "the history is kept");
        assertEquals(model.initialValLoss(), loaded.initialValLoss());
        // params survive too
        model.setOutputCol("ppl").write().overwrite().save(path);
        assertEquals("ppl", DiLoCoModel.load(path).getOrDefault(DiLoCoModel.load(path).outputCol()));
        model.setOutputCol("perplexity");
    }

    @Test
    void estimatorRoundTripsThroughAPipeline() throws Exception {
        DiLoCo est = tiny().setOuterOptimizer("sgd").setPoolSchedule("1,2").setIdCol("id");
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {est});
        String path = tmp.resolve("pipeline").toString();
        pipeline.write().overwrite().save(path);
        DiLoCo loaded = (DiLoCo) Pipeline.load(path).getStages()[0];
        assertEquals(est.uid(), loaded.uid());
        assertEquals(est.explainParams(), loaded.explainParams());
        assertEquals("sgd", loaded.getOuterOptimizer());
        assertEquals(5, loaded.getInnerSteps());
        assertEquals(est.extractParamMap().toString(), loaded.extractParamMap().toString());
        DiLoCo copy = est.copy(new org.apache.spark.ml.param.ParamMap());
        assertEquals(est.explainParams(), copy.explainParams(), "copy keeps every Param");
    }

    /** With outputDir, resumeIfPresent continues the earlier fit's run from its checkpoint. */
    @Test
    void resumeIfPresentContinuesAnEarlierFit() {
        String out = tmp.resolve("resumed").toString();
        DiLoCoModel first = tiny().setRounds(2).setCheckpointEvery(1).setOutputDir(out).fit(docs);
        DiLoCoModel more = tiny().setRounds(3).setCheckpointEvery(1).setResumeIfPresent(true).setOutputDir(out).fit(docs);
        // the resumed run keeps the first run's schedule length (2 x 5 steps), as --resume does
        DiLoCoModel whole = tiny().setRounds(3).setLrDecaySteps(10L).setOutputDir(tmp.resolve("whole").toString()).fit(docs);
        assertEquals(3, more.summary().count());
        float[] a = more.parameters();
        float[] b = whole.parameters();
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        assertTrue(diff <= 1e-5, "resumed run ends where a 3-round run ends: " + diff);
        assertEquals(2, first.summary().count());
        assertThrows(UserError.class, () -> tiny().setResume(true).fit(docs), "resume without outputDir");
    }
}
