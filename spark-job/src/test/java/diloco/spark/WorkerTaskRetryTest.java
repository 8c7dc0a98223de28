package diloco.spark;

import static diloco.config.Options.INNER_STEPS;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.config.TrainConfig;
import diloco.data.Shard;
import diloco.data.Tokens;
import diloco.exchange.RoundPlan;
import diloco.exchange.StateSource;
import diloco.exchange.WorkerUpdate;
import diloco.model.Gpt;
import diloco.state.WorkerStateStore;
import diloco.state.WorkerStates;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;

/**
 * The executor-side state store under retries: a task re-run for the same round (lost executor,
 * lost result) starts from the same state and produces the same Δ, never applying H steps twice;
 * a state older than the previous round is never used.
 */
class WorkerTaskRetryTest {
    private final String run = UUID.randomUUID().toString();

    @AfterEach
    void free() {
        WorkerStateStore.get().clear(run);
    }

    @Test
    void retriedRoundRepeatsExactlyAndMissingStatesAreReported() throws Exception {
        TrainConfig cfg = TestSupport.tinyConfig(Path.of("unused"), Path.of("unused")).set(INNER_STEPS, 3).build();
        String text = String.join("", TestSupport.paragraphs());
        Shard shard = new Shard(0, 1, Tokens.ofBytes(text.getBytes(StandardCharsets.UTF_8)));
        float[] theta = new Gpt(cfg.model()).initialParameters(0);
        WorkerTask task = new WorkerTask(new SparkWorkerPool.Settings(cfg.model(), cfg.inner(), cfg.compute(),
                cfg.communication(), cfg.faults(), cfg.pacing()), WorkerStates.inMemory(run));

        WorkerUpdate r1 = task.run(shard, theta, RoundPlan.everyWorker(1, 1, 3));
        assertEquals(StateSource.Kind.FRESH, r1.report().stateSource().kind());
        float[] theta2 = theta.clone();
        for (int i = 0; i < theta2.length; i++) {
            theta2[i] -= r1.delta().decode()[i]; // θ₂ = θ₁ (FedAvg with one worker)
        }
        WorkerUpdate r2 = task.run(shard, theta2, RoundPlan.everyWorker(2, 1, 3));
        assertEquals(StateSource.Kind.MEMORY, r2.report().stateSource().kind());
        assertEquals(1, r2.report().stateSource().round());

        WorkerUpdate retry = task.run(shard, theta2, RoundPlan.everyWorker(2, 1, 3)); // the same task again
        assertEquals(StateSource.Kind.MEMORY, retry.report().stateSource().kind());
        assertEquals(1, retry.report().stateSource().round(), "a retry restarts from round 1's state, not round 2's");
        assertArrayEquals(r2.delta().decode(), retry.delta().decode(), 0f);

        // Without the kept state (steps 4-6 after a fresh AdamW) the same round differs: the
        // equality above is not a coincidence of the data.
        WorkerStateStore.get().clear(run);
        WorkerUpdate fresh = task.run(shard, theta2, RoundPlan.everyWorker(2, 1, 3));
        assertEquals(StateSource.Kind.FRESH, fresh.report().stateSource().kind());
        assertFalse(Arrays.equals(r2.delta().decode(), fresh.delta().decode()));

        // Only rounds r-1 and r are kept; asking for round 4 (state of round 3, never made) is fresh.
        assertTrue(WorkerStateStore.get().held(run) <= 2);
        assertEquals(StateSource.Kind.FRESH, task.run(shard, theta2, RoundPlan.everyWorker(4, 1, 3)).report().stateSource().kind());
    }
}
