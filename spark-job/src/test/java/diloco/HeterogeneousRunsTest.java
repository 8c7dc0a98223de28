package diloco;

import static diloco.config.Options.CLOCK;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.INNER_STEPS_BY;
import static diloco.config.Options.MERGE;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.ROUND_DEADLINE;
import static diloco.config.Options.SIMULATE_SLOWDOWN;
import static diloco.config.Options.WORKERS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.config.TrainConfig;
import diloco.option.UserError;
import diloco.pace.ClockKind;
import diloco.pace.InnerStepsBy;
import diloco.pace.MergeRule;
import diloco.run.DiLoCoTrainer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Workers of different speeds on real Spark runs of three workers, on the virtual clock (one
 * second per step of a full-speed worker), so that every number below is worked by hand: paces,
 * per-worker H, deadlines, weights and the run's clock. The new modes must reduce to today's
 * rounds bit for bit when nothing sets the workers apart.
 */
class HeterogeneousRunsTest {
    @TempDir
    static Path tmp;
    static Path corpus;
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @BeforeAll
    static void data() throws Exception {
        corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
    }

    private static TrainConfig.Builder three(String out) {
        return TestSupport.tinyConfig(corpus, tmp.resolve(out)).set(WORKERS, 3).set(INNER_STEPS, 6).set(ROUNDS, 3);
    }

    private static DiLoCoTrainer.Result run(TrainConfig.Builder b) throws Exception {
        return new DiLoCoTrainer(TestSupport.spark(), b.build(), QUIET).run();
    }

    private static int[] steps(RoundMetrics m) {
        return m.stateSource().stream().mapToInt(RoundMetrics.WorkerSource::steps).toArray();
    }

    @Test
    void paceAndTokensEqualFixedAndMeanWhenTheWorkersAreAlike() throws Exception {
        float[] plain = run(three("plain")).theta();
        DiLoCoTrainer.Result paced = run(three("paced").set(INNER_STEPS_BY, InnerStepsBy.PACE).set(CLOCK, ClockKind.VIRTUAL));
        assertArrayEquals(plain, paced.theta(), 0f, "equal paces: pace is fixed, bit for bit");
        for (RoundMetrics m : paced.metrics()) {
            assertArrayEquals(new int[] {6, 6, 6}, steps(m));
        }
        assertArrayEquals(plain, run(three("tokens").set(MERGE, MergeRule.TOKENS)).theta(), 0f,
                "equal tokens: the weighted merge is the mean, bit for bit");
        assertArrayEquals(plain, run(three("tokens-paced").set(MERGE, MergeRule.TOKENS)
                .set(INNER_STEPS_BY, InnerStepsBy.PACE).set(CLOCK, ClockKind.VIRTUAL)).theta(), 0f);
    }

    /**
     * Worker 1 is 3× slower. Round 1: no pace measured yet, 6 steps each; worker 1 takes 18 virtual
     * seconds, the others 6 and idle 12. Round 2 on: paces 1, 1/3, 1 steps/s, so worker 1 takes 6 ×
     * (1/3) = 2 steps and all finish at 6 s; with tokens its weight is 2/6.
     */
    @Test
    void paceGivesASlowWorkerFewerStepsAndTokensWeighsIt() throws Exception {
        DiLoCoTrainer.Result r = run(three("slow-paced").set(INNER_STEPS_BY, InnerStepsBy.PACE)
                .set(CLOCK, ClockKind.VIRTUAL).set(SIMULATE_SLOWDOWN, "1:3").set(MERGE, MergeRule.TOKENS));
        List<RoundMetrics> m = r.metrics();
        assertArrayEquals(new int[] {6, 6, 6}, steps(m.get(0)));
        assertEquals(12.0, m.get(0).stateSource().get(0).secIdle(), 0.0);
        assertEquals(0.0, m.get(0).stateSource().get(1).secIdle(), 0.0);
        assertEquals(18.0, m.get(0).timings().clock(), 0.0);
        for (int round = 1; round < 3; round++) {
            assertArrayEquals(new int[] {6, 2, 6}, steps(m.get(round)));
            assertEquals(2.0 / 6, m.get(round).stateSource().get(1).weight(), 1e-7);
            assertEquals(1.0, m.get(round).stateSource().get(0).weight(), 0.0);
            assertEquals(0.0, m.get(round).stateSource().get(1).secIdle(), 0.0);
        }
        assertEquals(18.0 + 6 + 6, m.get(2).timings().clock(), 0.0, "rounds 2 and 3 last 6 s each");
        long perStep = 8L * three("x").build().model().context(); // batch 8 x the tiny preset's context
        assertEquals((6 + 6 + 6) * perStep, m.get(0).participation().tokens());
        assertEquals((6 + 2 + 6) * perStep, m.get(1).participation().tokens());
        assertEquals(perStep / 3.0, m.get(1).stateSource().get(1).tokensPerSec(), 1e-9);
    }

    /**
     * auto:0 sets the deadline at the fastest worker's expected time: 6 s from round 2 on, so the
     * slow worker (3 s a step) takes 2 steps; round 1 has no pace and no deadline. Its batches
     * follow its own count of steps: round 2 starts at its step 6, round 3 at 8.
     */
    @Test
    void anAutomaticDeadlineCutsTheSlowWorker() throws Exception {
        DiLoCoTrainer.Result r = run(three("deadline").set(CLOCK, ClockKind.VIRTUAL).set(SIMULATE_SLOWDOWN, "1:3")
                .set(ROUND_DEADLINE, "auto:0"));
        assertArrayEquals(new int[] {6, 6, 6}, steps(r.metrics().get(0)));
        assertArrayEquals(new int[] {6, 2, 6}, steps(r.metrics().get(1)));
        assertArrayEquals(new int[] {6, 2, 6}, steps(r.metrics().get(2)));
        assertEquals(18.0 + 6 + 6, r.metrics().get(2).timings().clock(), 0.0);
        float[] fixed = run(three("deadline-off").set(CLOCK, ClockKind.VIRTUAL).set(SIMULATE_SLOWDOWN, "1:3")).theta();
        assertFalse(Arrays.equals(fixed, r.theta()), "the cut changes the model");
        assertTrue(r.metrics().get(2).losses().valLoss() < r.metrics().get(0).losses().valLoss());
    }

    @Test
    void badValuesAreOneLine() {
        assertEquals("--simulate-slowdown names worker 5, but the run has --workers 3 (workers 0..2)",
                assertThrows(UserError.class, () -> three("x").set(SIMULATE_SLOWDOWN, "0:2,5:3").build()).getMessage());
        assertEquals("--simulate-slowdown: worker 1's factor must be a number ≥ 1, got 0.5",
                assertThrows(UserError.class, () -> three("x").set(SIMULATE_SLOWDOWN, "1:0.5").build()).getMessage());
        assertEquals("--simulate-slowdown must be WORKER:FACTOR[,WORKER:FACTOR...], got '1'",
                assertThrows(UserError.class, () -> three("x").set(SIMULATE_SLOWDOWN, "1").build()).getMessage());
        for (String bad : List.of("0", "-2", "soon", "auto:-1")) {
            String msg = assertThrows(UserError.class, () -> three("x").set(ROUND_DEADLINE, bad).build()).getMessage();
            assertTrue(msg.startsWith("--round-deadline"), msg);
            assertFalse(msg.contains("\n"), msg);
        }
    }
}
