package diloco.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.config.Options;
import diloco.config.TrainConfig;
import diloco.optim.OuterOptimizerKind;
import diloco.option.Option;

import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Every bad input: one clear line on stderr, exit status 2, and --out left as it was. */
class TrainCliTest {
    @TempDir
    static Path tmp;
    static Path corpus;
    static Path parquet;

    @BeforeAll
    static void data() throws IOException {
        corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
        parquet = tmp.resolve("table.parquet");
        StructType schema = new StructType().add("body", DataTypes.StringType).add("n", DataTypes.IntegerType);
        TestSupport.spark().createDataFrame(List.of(RowFactory.create("some text here", 1)), schema)
                .write().parquet(parquet.toString());
    }

    static final class Outcome {
        int status;
        String out;
        String err;
    }

    static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Outcome o = new Outcome();
        o.status = Train.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        o.out = out.toString(StandardCharsets.UTF_8);
        o.err = err.toString(StandardCharsets.UTF_8);
        return o;
    }

    private static String[] args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("--data", corpus.toString(), "--out", out.toString(), "--preset", "tiny",
                "--workers", "2", "--inner-steps", "2", "--rounds", "1", "--batch-size", "2", "--threads-per-worker", "1"));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    private static String listing(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return "<missing>";
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> p + ":" + (Files.isRegularFile(p) ? p.toFile().length() : 0)).sorted()
                    .collect(Collectors.joining("\n"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--workers 0              | --workers must be >= 1, got 0",
        "--inner-steps 0          | --inner-steps must be >= 1, got 0",
        "--rounds -1              | --rounds must be >= 1, got -1",
        "--inner-lr 0             | --inner-lr must be > 0",
        "--outer-lr -0.5          | --outer-lr must be > 0",
        "--outer-momentum 1       | --outer-momentum must be in [0, 1)",
        "--outer-lr-schedule step | --outer-lr-schedule must be constant, warmup:N, cosine[:MIN] or warmup:N,cosine[:MIN], got 'step'",
        "--outer-momentum -0.1    | --outer-momentum must be in [0, 1)",
        "--workers x              | --workers expects an integer, got 'x'",
        "--outer-optimizer lbfgs  | --outer-optimizer must be one of nesterov, sgd, adam",
        "--precision fp16         | --precision must be one of fp32, bf16",
        "--preset huge            | unknown --preset 'huge'",
        "--d-model 30 --heads 4   | --d-model (30) must be divisible by --heads (4)",
        "--bogus 1                | unknown option --bogus",
        "--workers 40             | fewer than --workers 40",
        "--simulate-slowdown 5:2  | --simulate-slowdown names worker 5, but the run has --workers 2 (workers 0..1)",
        "--round-deadline 0       | --round-deadline must be off, auto[:GRACE] or seconds > 0, got '0'",
        "--sync async --merge tokens | --sync async cannot be combined with --merge tokens",
    })
    void badOptionIsOneLineExit2AndWritesNothing(String extra, String message) throws IOException {
        Path out = tmp.resolve("out-" + Math.abs(extra.hashCode()));
        Outcome o = run(args(out, extra.trim().split("\\s+")));
        assertBadInput(o, message);
        assertFalse(Files.exists(out), "nothing written for " + extra);
    }

    private static void assertBadInput(Outcome o, String message) {
        assertEquals(2, o.status, o.err);
        assertTrue(o.err.contains(message), "stderr: " + o.err);
        assertEquals(1, o.err.strip().split("\n").length, "one line: " + o.err);
        assertTrue(o.err.startsWith("diloco: error: "), o.err);
    }

    @Test
    void missingData() {
        Path out = tmp.resolve("out-missing");
        Outcome o = run("--data", tmp.resolve("nope").toString(), "--out", out.toString());
        assertBadInput(o, "--data path does not exist");
        assertFalse(Files.exists(out));
        assertBadInput(run("--out", out.toString()), "--data is required");
    }

    @Test
    void emptyDataDirectoryAndEmptyFiles() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path out = tmp.resolve("out-empty");
        assertBadInput(run("--data", empty.toString(), "--out", out.toString()), "no documents in --data");
        Path blanks = Files.createDirectories(tmp.resolve("blanks"));
        Files.write(blanks.resolve("a.txt"), new byte[0]);
        Files.write(blanks.resolve("b.txt"), new byte[0]);
        assertBadInput(run(args(out, "--data", blanks.toString())), "no documents in --data " + blanks + " (all are empty)");
        assertFalse(Files.exists(out));
    }

    @Test
    void nonEmptyOutWithoutOverwriteIsUntouched() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("out-used"));
        Files.writeString(out.resolve("metrics.jsonl"), "{\"round\": 1}\n");
        String before = listing(out);
        assertBadInput(run(args(out)), "is not empty: pass --overwrite");
        assertEquals(before, listing(out));
        assertEquals("{\"round\": 1}\n", Files.readString(out.resolve("metrics.jsonl")));
    }

    /** A fresh run with --overwrite also clears the earlier run's checkpoints: no later resume can mix the two. */
    @Test
    void overwriteStartsAfreshWithoutTheEarlierCheckpoints() {
        Path out = tmp.resolve("out-overwritten");
        assertEquals(0, run(args(out, "--rounds", "2", "--checkpoint-every", "1")).status);
        assertTrue(Files.isDirectory(out.resolve("checkpoints/round-000002")));
        Outcome again = run(args(out, "--overwrite"));
        assertEquals(0, again.status, again.err);
        assertTrue(Files.isDirectory(out.resolve("checkpoints/round-000001")));
        assertFalse(Files.exists(out.resolve("checkpoints/round-000002")), "the earlier run's checkpoint is gone");
    }

    @Test
    void outputUnderAFileIsNotWritable() throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertBadInput(run(args(file.resolve("out"))), "is not writable: ");
        assertEquals("x", Files.readString(file));
    }

    @Test
    void parquetWithoutOrWithWrongTextColumn() {
        Path out = tmp.resolve("out-parquet");
        assertBadInput(run(args(out, "--data", parquet.toString())), "holds Parquet files: pass --text-column");
        assertBadInput(run(args(out, "--data", parquet.toString(), "--text-column", "text")),
                "--text-column 'text' not found");
        assertBadInput(run(args(out, "--data", parquet.toString(), "--text-column", "n")), "has type int, expected string");
        assertFalse(Files.exists(out));
    }

    @Test
    void helpListsEveryOptionWithDefaults() {
        Outcome o = run("--help");
        assertEquals(0, o.status);
        for (Option<?> opt : Options.all()) {
            assertTrue(o.out.contains(opt.flag()), "help lacks " + opt.flag());
        }
        assertTrue(o.out.contains("--outer-lr LR") && o.out.contains("[default: 0.7]"), o.out);
        assertTrue(o.out.contains("--inner-steps H") && o.out.contains("[default: 500]"), o.out);
    }

    @Test
    void parsesEqualsFormAndPresetOverrides() {
        TrainConfig c = CommandLine.parse(new String[] {"--data=/x", "--preset", "150m", "--context", "256",
                "--outer-optimizer=sgd", "--overwrite"});
        assertEquals(12, c.model().layers());
        assertEquals(896, c.model().dModel());
        assertEquals(256, c.model().context());
        assertEquals(OuterOptimizerKind.SGD, c.get(Options.OUTER_OPTIMIZER));
        assertTrue(c.get(Options.OVERWRITE));
    }
}
