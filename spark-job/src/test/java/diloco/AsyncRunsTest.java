package diloco;

import static diloco.config.Options.CLOCK;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.INNER_STEPS_BY;
import static diloco.config.Options.LR_DECAY_STEPS;
import static diloco.config.Options.MERGE;
import static diloco.config.Options.OUTER_OPTIMIZER;
import static diloco.config.Options.POOL_SCHEDULE;
import static diloco.config.Options.RESUME;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.ROUND_DEADLINE;
import static diloco.config.Options.SIMULATE_SLOWDOWN;
import static diloco.config.Options.SYNC;
import static diloco.config.Options.WORKERS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.config.TrainConfig;
import diloco.optim.OuterOptimizerKind;
import diloco.option.UserError;
import diloco.pace.ClockKind;
import diloco.pace.InnerStepsBy;
import diloco.pace.MergeRule;
import diloco.pace.SyncMode;
import diloco.run.DiLoCoTrainer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Asynchronous DiLoCo on real Spark runs: the FedAvg identity, determinism on the virtual clock, resume. */
class AsyncRunsTest {
    @TempDir
    static Path tmp;
    static Path corpus;
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @BeforeAll
    static void data() throws Exception {
        corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
    }

    private static TrainConfig.Builder async(String out, int workers) {
        return TestSupport.tinyConfig(corpus, tmp.resolve(out)).set(WORKERS, workers).set(INNER_STEPS, 4)
                .set(SYNC, SyncMode.ASYNC).set(CLOCK, ClockKind.VIRTUAL).set(LR_DECAY_STEPS, 40L);
    }

    private static DiLoCoTrainer.Result run(TrainConfig.Builder b) throws Exception {
        return new DiLoCoTrainer(TestSupport.spark(), b.build(), QUIET).run();
    }

    /** With one worker every arrival ends a period: Delayed Nesterov is Nesterov, async is sync, bit for bit. */
    @Test
    void oneAsyncWorkerIsTheSynchronousRun() throws Exception {
        float[] sync = run(async("sync1", 1).set(SYNC, SyncMode.SYNC).set(CLOCK, ClockKind.WALL)).theta();
        DiLoCoTrainer.Result a = run(async("async1", 1));
        assertArrayEquals(sync, a.theta(), 0f);
        assertEquals(3, a.metrics().size());
    }

    /**
     * Three workers, worker 1 three times slower, 4 steps a job: worker 0 and 2 end jobs at 4, 8,
     * 12, ... virtual seconds and worker 1 at 12, 24, ...; rounds are 3 arrivals each. The same
     * command gives the same model, and the arrival order is the one the paces imply.
     */
    @Test
    void onTheVirtualClockAsyncIsReproducibleAndFollowsThePaces() throws Exception {
        TrainConfig.Builder b = async("det-a", 3).set(SIMULATE_SLOWDOWN, "1:3").set(ROUNDS, 3);
        DiLoCoTrainer.Result first = run(b);
        DiLoCoTrainer.Result again = run(async("det-b", 3).set(SIMULATE_SLOWDOWN, "1:3").set(ROUNDS, 3));
        assertArrayEquals(first.theta(), again.theta(), 0f);
        // arrivals by end time, then worker: 0@4 2@4 0@8 | 2@8 0@12 1@12 | 2@12 0@16 2@16 (listed by worker)
        assertEquals(List.of(0, 0, 2), workers(first.metrics().get(0)));
        assertEquals(List.of(0, 1, 2), workers(first.metrics().get(1)));
        assertEquals(List.of(0, 2, 2), workers(first.metrics().get(2)));
        assertEquals(8.0, first.metrics().get(0).timings().clock(), 0.0);
        assertEquals(12.0, first.metrics().get(1).timings().clock(), 0.0);
        assertEquals(16.0, first.metrics().get(2).timings().clock(), 0.0);
        assertTrue(first.metrics().get(2).losses().valLoss() < first.metrics().get(0).losses().valLoss());
    }

    /**
     * Async with paced H: worker 1 (3× slower) takes 4 steps in its first job (no pace yet), ending at
     * 12 s, then round(4 × 1/3) = 1 step a job. Arrivals: 0@4 2@4 0@8 | 2@8 0@12 1@12 | 2@12 1@15 0@16.
     */
    @Test
    void asyncWithPacedStepsGivesTheSlowWorkerShortJobs() throws Exception {
        DiLoCoTrainer.Result r = run(async("async-paced", 3).set(SIMULATE_SLOWDOWN, "1:3").set(ROUNDS, 3)
                .set(INNER_STEPS_BY, InnerStepsBy.PACE));
        RoundMetrics third = r.metrics().get(2);
        assertEquals(List.of(0, 1, 2), workers(third));
        assertEquals(List.of(4, 1, 4), third.stateSource().stream().map(RoundMetrics.WorkerSource::steps).toList());
        assertEquals(4, r.metrics().get(1).stateSource().get(1).steps(), "its first job: no pace measured yet");
        assertEquals(16.0, third.timings().clock(), 0.0);
    }

    private static List<Integer> workers(RoundMetrics m) {
        return m.stateSource().stream().map(RoundMetrics.WorkerSource::worker).toList();
    }

    /**
     * A stop request (what SIGTERM sends) after round 1, with every worker's job in flight: the
     * checkpoint keeps those jobs and the θ they started from, and the resumed run's model is the
     * uninterrupted run's, bit for bit.
     */
    @Test
    void stoppedWithJobsInFlightAndResumedEqualsTheUninterruptedRun() throws Exception {
        float[] whole = run(async("whole", 3).set(SIMULATE_SLOWDOWN, "1:3").set(ROUNDS, 4)).theta();
        StopSignal stop = StopSignal.none();
        stop.request();
        DiLoCoTrainer.Result first = new DiLoCoTrainer(TestSupport.spark(),
                async("parts", 3).set(SIMULATE_SLOWDOWN, "1:3").set(ROUNDS, 4).build(), QUIET, stop).run();
        assertTrue(first.stopped());
        assertEquals(1, first.rounds());
        DiLoCoTrainer.Result rest = run(async("parts", 3).set(SIMULATE_SLOWDOWN, "1:3").set(ROUNDS, 4).set(RESUME, true));
        assertArrayEquals(whole, rest.theta(), 0f);
        float[] sync = run(async("sync3", 3).set(SIMULATE_SLOWDOWN, "1:3").set(ROUNDS, 4).set(SYNC, SyncMode.SYNC)).theta();
        assertFalse(Arrays.equals(sync, whole), "async is not the synchronous run");
    }

    @Test
    void whatAsyncCannotHonourIsOneLine() {
        assertEquals("--sync async cannot be combined with --outer-optimizer adam (async uses Delayed Nesterov)",
                assertThrows(UserError.class, () -> async("x", 3).set(OUTER_OPTIMIZER, OuterOptimizerKind.ADAM).build())
                        .getMessage());
        assertEquals("--sync async cannot be combined with --merge tokens (async applies each outer gradient on its own)",
                assertThrows(UserError.class, () -> async("x", 3).set(MERGE, MergeRule.TOKENS).build()).getMessage());
        assertEquals("--sync async cannot be combined with --round-deadline (an async worker never waits for others)",
                assertThrows(UserError.class, () -> async("x", 3).set(ROUND_DEADLINE, "auto").build()).getMessage());
        assertEquals("--sync async cannot be combined with --pool-schedule (every async worker is always running)",
                assertThrows(UserError.class, () -> async("x", 3).set(POOL_SCHEDULE, "constant:2").build()).getMessage());
    }
}
