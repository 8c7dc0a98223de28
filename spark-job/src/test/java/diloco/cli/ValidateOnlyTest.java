package diloco.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.cli.TrainCliTest.Outcome;
import diloco.config.Options;
import diloco.config.TrainConfig;
import diloco.io.SafeTensors;
import diloco.model.Gpt;
import diloco.model.ModelConfig;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code --validate-only}: the run's own checks, then exit 0 with one line and nothing written; a
 * problem is the usual one line and exit status 2. Each case would fail a real run the same way.
 */
class ValidateOnlyTest {
    @TempDir
    static Path tmp;
    static Path corpus;

    @BeforeAll
    static void data() throws IOException {
        corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
    }

    private static String[] args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("--data", corpus.toString(), "--out", out.toString(), "--preset", "tiny",
                "--workers", "2", "--validate-only"));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    private static void assertBadInput(Outcome o, String message) {
        assertEquals(2, o.status, o.err);
        assertTrue(o.err.startsWith("diloco: error: ") && o.err.contains(message), "stderr: " + o.err);
        assertEquals(1, o.err.strip().split("\n").length, "one line: " + o.err);
        assertFalse(o.out.contains("valid:"), o.out);
    }

    private static String validLine(Outcome o) {
        assertEquals(0, o.status, o.err);
        List<String> lines = o.out.lines().filter(l -> l.startsWith("[diloco] valid: ")).toList();
        assertEquals(1, lines.size(), o.out);
        return lines.get(0);
    }

    @Test
    void validRunExitsZeroAndWritesNothing() throws IOException {
        Path out = tmp.resolve("runs/first");
        String line = validLine(TrainCliTest.run(args(out)));
        int parameters = new Gpt(ModelConfig.preset("tiny", TrainConfig.VOCAB_SIZE)).layout().size();
        assertEquals(String.format(java.util.Locale.ROOT, "[diloco] valid: %d documents in --data %s, --out %s usable, "
                + "model %,d parameters; nothing trained or written (--validate-only)", TestSupport.paragraphs().size(),
                corpus, out, parameters), line);
        assertFalse(Files.exists(out), "--out is not created");
        assertFalse(Files.exists(out.getParent()), "nor its parent");
    }

    /** What the run would refuse, --validate-only refuses: before anything is written, with the run's message. */
    @Test
    void problemsAreOneLineAndExitTwo() throws IOException {
        Path out = tmp.resolve("out-bad");
        assertBadInput(TrainCliTest.run(args(out, "--data", tmp.resolve("nope").toString())), "--data path does not exist");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertBadInput(TrainCliTest.run(args(out, "--data", empty.toString())), "no documents in --data");
        assertBadInput(TrainCliTest.run(args(out, "--workers", "0")), "--workers must be >= 1, got 0");
        assertBadInput(TrainCliTest.run(args(out, "--workers", "40")), "fewer than --workers 40");
        assertBadInput(TrainCliTest.run(args(out, "--validate-only=yes")), "option --validate-only takes no value");
        assertFalse(Files.exists(out));
    }

    @Test
    void usedOutNeedsOverwriteOrResumeAndStaysAsItWas() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("out-used"));
        Files.writeString(out.resolve("run.json"), "{}\n");
        assertBadInput(TrainCliTest.run(args(out)), "is not empty: pass --overwrite");
        validLine(TrainCliTest.run(args(out, "--overwrite"))); // a real run would delete run.json here
        validLine(TrainCliTest.run(args(out, "--resume-if-present")));
        assertBadInput(TrainCliTest.run(args(out, "--resume")), "--resume: no complete checkpoint");
        try (var files = Files.list(out)) {
            assertEquals(List.of(out.resolve("run.json")), files.toList());
        }
        assertEquals("{}\n", Files.readString(out.resolve("run.json")));
    }

    @Test
    void initFromMustExistAndFitTheModel() throws IOException {
        Path fits = writeModel("tiny.safetensors", ModelConfig.preset("tiny", TrainConfig.VOCAB_SIZE));
        ModelConfig tiny = ModelConfig.preset("tiny", TrainConfig.VOCAB_SIZE);
        Path other = writeModel("other.safetensors", new ModelConfig(tiny.vocabSize(), tiny.context(), tiny.layers() + 1,
                tiny.dModel(), tiny.heads(), 0f));
        Path out = tmp.resolve("out-init");
        validLine(TrainCliTest.run(args(out, "--init-from", fits.toString())));
        assertBadInput(TrainCliTest.run(args(out, "--init-from", tmp.resolve("missing.safetensors").toString())),
                "--init-from " + tmp.resolve("missing.safetensors"));
        assertBadInput(TrainCliTest.run(args(out, "--init-from", other.toString())), "--init-from " + other);
        assertFalse(Files.exists(out));
    }

    /** A command-line switch: not a Spark ML Param (a notebook's fit always trains), never in run.json. */
    @Test
    void isCommandLineOnlyAndNotRecorded() {
        assertFalse(Options.params().contains(Options.VALIDATE_ONLY));
        assertFalse(Options.VALIDATE_ONLY.recorded());
        TrainConfig cfg = CommandLine.parse(new String[] {"--data", "/x", "--validate-only"});
        assertTrue(cfg.get(Options.VALIDATE_ONLY));
        assertFalse(cfg.toRecord().containsKey(Options.VALIDATE_ONLY.recordKey()));
    }

    private static Path writeModel(String name, ModelConfig shape) throws IOException {
        Gpt gpt = new Gpt(shape);
        Path file = tmp.resolve(name);
        try (OutputStream o = Files.newOutputStream(file)) {
            SafeTensors.write(o, gpt.layout(), gpt.initialParameters(1), Map.of());
        }
        return file;
    }
}
