package diloco.spark;

import static diloco.config.Options.CLOCK;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.MERGE;
import static diloco.config.Options.SIMULATE_SLOWDOWN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import diloco.TestSupport;
import diloco.config.TrainConfig;
import diloco.data.Shard;
import diloco.data.Tokens;
import diloco.exchange.RoundPlan;
import diloco.exchange.WorkerUpdate;
import diloco.model.Gpt;
import diloco.pace.ClockKind;
import diloco.pace.MergeRule;
import diloco.state.WorkerStateStore;
import diloco.state.WorkerStates;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;

/**
 * A worker task under a deadline, on the virtual clock: worker 0, slowed 3×, has a 6.5 s deadline
 * for 6 planned steps, so it takes 2 (2 × 3 s = 6 s; a third would end at 9 s). Its Δ must be
 * exactly that of a plain task told to take 2 steps from the same θ and a fresh state, and with
 * {@code --merge tokens} it leaves scaled by 2/6.
 */
class WorkerPacingTest {
    private final String[] runs = {UUID.randomUUID().toString(), UUID.randomUUID().toString(),
            UUID.randomUUID().toString()};

    @AfterEach
    void free() {
        Arrays.stream(runs).forEach(WorkerStateStore.get()::clear);
    }

    private static RoundPlan plan(int steps, double deadline) {
        return new RoundPlan(1, new boolean[] {true}, new int[] {0}, 0, 0, 0,
                new RoundPlan.Steps(new long[] {0}, new int[] {steps}, deadline));
    }

    private static WorkerTask task(TrainConfig cfg, String run) {
        return new WorkerTask(new SparkWorkerPool.Settings(cfg.model(), cfg.inner(), cfg.compute(), cfg.communication(),
                cfg.faults(), cfg.pacing()), WorkerStates.inMemory(run));
    }

    @Test
    void aDeadlineEndsTheStepsAndTheDeltaIsExactlyThatOfTheStepsTaken() throws Exception {
        TrainConfig.Builder b = TestSupport.tinyConfig(Path.of("unused"), Path.of("unused")).set(INNER_STEPS, 6)
                .set(CLOCK, ClockKind.VIRTUAL).set(SIMULATE_SLOWDOWN, "0:3");
        TrainConfig cfg = b.build();
        String text = String.join("", TestSupport.paragraphs());
        Shard shard = new Shard(0, 1, Tokens.ofBytes(text.getBytes(StandardCharsets.UTF_8)));
        float[] theta = new Gpt(cfg.model()).initialParameters(0);

        WorkerUpdate cut = task(cfg, runs[0]).run(shard, theta, plan(6, 6.5));
        assertEquals(2, cut.report().training().steps());
        assertEquals(2L * 8 * cfg.model().context(), cut.report().training().tokens());
        assertEquals(6.0, cut.report().timing().secClock(), 0.0, "two steps of a worker 3x slower: 6 virtual seconds");

        WorkerUpdate two = task(cfg, runs[1]).run(shard, theta, plan(2, 0));
        assertArrayEquals(two.delta().decode(), cut.delta().decode(), 0f, "the Δ of exactly the 2 steps it took");
        WorkerUpdate three = task(cfg, runs[2]).run(shard, theta, plan(3, 0));
        assertFalse(Arrays.equals(two.delta().decode(), three.delta().decode()), "a third step would change it");

        // with --merge tokens the same worker sends its Δ times its weight, 2 steps of the 6 planned
        WorkerStateStore.get().clear(runs[0]);
        WorkerUpdate weighted = task(b.set(MERGE, MergeRule.TOKENS).build(), runs[0]).run(shard, theta, plan(6, 6.5));
        float w = 2f / 6;
        assertEquals(w, weighted.report().training().weight(), 0f);
        float[] expected = two.delta().decode();
        for (int i = 0; i < expected.length; i++) {
            expected[i] *= w;
        }
        assertArrayEquals(expected, weighted.delta().decode(), 0f);
    }
}
