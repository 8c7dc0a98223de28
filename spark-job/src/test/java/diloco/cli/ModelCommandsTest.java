package diloco.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.io.HuggingFaceGpt2;
import diloco.io.Json;
import diloco.io.SafeTensors;
import diloco.run.SavedModel;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** generate, evaluate and export on a trained run's output: what they print and write, and their bad input. */
class ModelCommandsTest {
    @TempDir
    static Path tmp;
    static Path corpus;
    static Path run;

    @BeforeAll
    static void train() throws Exception {
        corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
        run = tmp.resolve("run");
        Outcome o = outcome(out -> Train.run(new String[] {"--data", corpus.toString(), "--out", run.toString(),
                "--preset", "tiny", "--workers", "2", "--inner-steps", "5", "--rounds", "2", "--batch-size", "8",
                "--inner-lr", "3e-3", "--warmup-steps", "2", "--threads-per-worker", "1", "--val-fraction", "0.2",
                "--val-windows", "8"}, out, out, false));
        assertEquals(0, o.status, o.text);
    }

    record Outcome(int status, String text) {}

    interface Command {
        int run(PrintStream out);
    }

    static Outcome outcome(Command c) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int status = c.run(new PrintStream(buf, true, StandardCharsets.UTF_8));
        return new Outcome(status, buf.toString(StandardCharsets.UTF_8));
    }

    static Outcome generate(String... args) {
        return outcome(out -> Generate.run(args, out, out));
    }

    static Outcome export(String... args) {
        return outcome(out -> Export.run(args, out, out));
    }

    static Outcome evaluate(String... args) {
        return outcome(out -> Evaluate.run(args, out, out, false));
    }

    @Test
    void generatePrintsTheSameTextForTheSameSeed() {
        Outcome a = generate("--model", run.toString(), "--prompt", "We the People", "--max-bytes", "30", "--seed", "4");
        Outcome b = generate("--model", run.toString(), "--prompt", "We the People", "--max-bytes", "30", "--seed", "4");
        Outcome c = generate("--model", run.toString(), "--prompt", "We the People", "--max-bytes", "30", "--seed", "5");
        assertEquals(0, a.status, a.text);
        assertEquals(a.text, b.text);
        assertNotEquals(a.text, c.text);
        assertTrue(a.text.length() > 1, a.text);
    }

    /**
     * A one-document corpus of exactly one context window: evaluate's perplexity equals the one
     * computed straight from the model's token NLL; evaluation.json holds it.
     */
    @Test
    void evaluateScoresACorpusAndWritesItsResult() throws Exception {
        SavedModel model = SavedModel.load(new Configuration(), run.toString()).model();
        String text = String.join("", TestSupport.paragraphs());
        byte[] window = text.substring(0, model.config().context() + 1).getBytes(StandardCharsets.UTF_8);
        Path one = Files.createDirectories(tmp.resolve("one-window"));
        Files.write(one.resolve("doc.txt"), window);
        Path out = tmp.resolve("evaluation");
        Outcome o = evaluate("--model", run.toString(), "--data", one.toString(), "--out", out.toString());
        assertEquals(0, o.status, o.text);
        Map<String, Object> result = Json.parseObject(Files.readString(out.resolve(Evaluate.RESULT)));
        double expected = TestSupport.directPerplexity(model.config(), model.theta(), window);
        double ppl = ((Number) result.get("perplexity_per_byte")).doubleValue();
        assertEquals(expected, ppl, 1e-4 * expected);
        assertEquals(1L, ((Number) result.get("documents")).longValue());
        assertEquals((long) model.config().context(), ((Number) result.get("bytes_predicted")).longValue());
        assertTrue(o.text.contains("evaluate: perplexity per byte"), o.text);

        Outcome all = evaluate("--model", run.toString(), "--data", corpus.toString());
        assertEquals(0, all.status, all.text);
    }

    /**
     * export writes the run's model as a Hugging Face GPT-2 directory: its shape in config.json, θ
     * under GPT-2's names (HuggingFaceGpt2Test checks the layout against an independent forward),
     * and the byte tokenizer.
     */
    @Test
    void exportWritesAHuggingFaceDirectory() throws Exception {
        Path out = tmp.resolve("hf");
        Outcome o = export("--model", run.toString(), "--out", out.toString());
        assertEquals(0, o.status, o.text);
        assertTrue(o.text.contains("exported"), o.text);
        SavedModel model = SavedModel.load(new Configuration(), run.toString()).model();
        Map<String, Object> config = Json.parseObject(Files.readString(out.resolve(HuggingFaceGpt2.CONFIG)));
        assertEquals(model.config().layers(), ((Number) config.get("n_layer")).intValue());
        assertEquals(model.config().context(), ((Number) config.get("n_positions")).intValue());
        float[] wte = SafeTensors.read(Files.readAllBytes(out.resolve(HuggingFaceGpt2.WEIGHTS))).tensors
                .get("transformer.wte.weight");
        assertArrayEquals(Arrays.copyOf(model.theta(), wte.length), wte, 0f, "the token embedding comes first in θ");
        assertTrue(Files.exists(out.resolve(HuggingFaceGpt2.TOKENIZER)));
        assertBad(export("--model", run.toString(), "--out", out.toString()), "is not empty");
        assertBad(export("--model", run.toString()), "--out is required");
    }

    @Test
    void badInputIsOneLineAndExitStatus2() throws Exception {
        assertBad(generate("--prompt", "x"), "--model is required");
        assertBad(generate("--model", tmp.resolve("nowhere").toString()), "no model in");
        Path junk = Files.createDirectories(tmp.resolve("junk"));
        Files.writeString(junk.resolve("model.safetensors"), "not a model");
        assertBad(generate("--model", junk.toString()), "cannot read the model in");
        assertBad(generate("--model", run.toString(), "--max-bytes", "-1"), "--max-bytes must be >= 0");
        assertBad(generate("--model", run.toString(), "--temperature", "hot"), "--temperature expects a number");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertBad(evaluate("--model", run.toString(), "--data", empty.toString()), "no documents in --data");
        Path tiny = Files.createDirectories(tmp.resolve("tiny-docs"));
        Files.writeString(tiny.resolve("a.txt"), "x");
        assertBad(evaluate("--model", run.toString(), "--data", tiny.toString()), "nothing to score");
        assertBad(evaluate("--data", corpus.toString()), "--model is required");
    }

    static void assertBad(Outcome o, String message) {
        assertEquals(2, o.status, o.text);
        assertTrue(o.text.startsWith("diloco: error: ") && o.text.contains(message), o.text);
        assertEquals(1, o.text.strip().split("\n").length, o.text);
    }
}
