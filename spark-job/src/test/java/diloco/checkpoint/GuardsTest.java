package diloco.checkpoint;

import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.ON_WORKER_FAILURE;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.ROUND_TIMEOUT;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.OnWorkerFailure;
import diloco.RoundMetrics;
import diloco.TestSupport;
import diloco.cli.Train;
import diloco.config.TrainConfig;
import diloco.model.Gpt;
import diloco.run.DiLoCoTrainer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Bad outer gradients are excluded, diverging runs stop, stuck rounds are never waited on forever. */
class GuardsTest {
    @TempDir
    static Path tmp;
    static Path corpus;

    @BeforeAll
    static void data() throws Exception {
        corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
    }

    private static String[] args(String out, String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of("--data", corpus.toString(), "--out", tmp.resolve(out).toString(),
                "--preset", "tiny", "--workers", "2", "--inner-steps", "3", "--rounds", "6", "--batch-size", "4",
                "--threads-per-worker", "1", "--val-fraction", "0.2", "--val-windows", "8"));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    private static String[] run(int expectedStatus, String[] args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Train.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        String o = out.toString(StandardCharsets.UTF_8);
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(expectedStatus, status, o + e);
        return new String[] {o, e};
    }

    @Test
    void outerGradientsOverTheNormLimitAreExcludedThenTheJobFails() {
        String[] r = run(1, args("norm", "--max-outer-grad-norm", "1e-9", "--max-bad-rounds", "2"));
        assertTrue(r[0].contains("outer gradient excluded (norm"), r[0]);
        assertTrue(r[1].contains("2 consecutive rounds in which every outer gradient was rejected"), r[1]);
    }

    @Test
    void nonFiniteOuterGradientsAreExcluded() {
        String[] r = run(1, args("nan", "--inner-lr", "1e30", "--grad-clip", "0", "--warmup-steps", "0",
                "--max-bad-rounds", "2"));
        assertTrue(r[0].contains("outer gradient excluded (non-finite)"), r[0]);
    }

    /** Rounds cancelled by --round-timeout: dropped (θ never moves) or, by default, retried then failed. */
    @Test
    void roundTimeoutDropsOrFails() throws Exception {
        TrainConfig cfg = TestSupport.tinyConfig(corpus, tmp.resolve("timeout-drop")).set(ROUNDS, 2).set(INNER_STEPS, 200)
                .set(ROUND_TIMEOUT, 0.05).set(ON_WORKER_FAILURE, OnWorkerFailure.DROP).build();
        DiLoCoTrainer.Result dropped = new DiLoCoTrainer(TestSupport.spark(), cfg,
                new PrintStream(OutputStream.nullOutputStream())).run();
        assertArrayEquals(new Gpt(cfg.model()).initialParameters(0), dropped.theta(), 0f);
        for (RoundMetrics line : dropped.metrics()) {
            assertEquals(0, line.participation().deltasReceived());
        }
        String[] failed = run(1, args("timeout-fail", "--inner-steps", "200", "--round-timeout", "0.05",
                "--task-max-failures", "2"));
        assertTrue(failed[1].contains("exceeded --round-timeout") && failed[1].contains("on 2 attempts"), failed[1]);
    }
}
