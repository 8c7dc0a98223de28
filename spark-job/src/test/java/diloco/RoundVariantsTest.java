package diloco;

import static diloco.config.Options.DROP_PROBABILITY;
import static diloco.config.Options.FINAL_COMBINE;
import static diloco.config.Options.INIT_FROM;
import static diloco.config.Options.LAYERS;
import static diloco.config.Options.OUT;
import static diloco.config.Options.OUTER_GRAD_DTYPE;
import static diloco.config.Options.POOL_SCHEDULE;
import static diloco.config.Options.PRECISION;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.WORKERS;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.codec.OuterGradDtype;
import diloco.config.Options;
import diloco.config.TrainConfig;
import diloco.engine.Precision;
import diloco.exchange.RoundPlan;
import diloco.model.Gpt;
import diloco.optim.MomentumSgd;
import diloco.optim.OuterLrSchedule;
import diloco.option.UserError;
import diloco.pace.ClockKind;
import diloco.run.DiLoCoTrainer;
import diloco.run.RunOutput;
import diloco.spark.FinalCombine;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Dropped, compressed and pruned outer gradients, bf16 compute, adaptive worker pools and warm starts, on real Spark runs. */
class RoundVariantsTest {
    @TempDir
    static Path tmp;
    static Path corpus;
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @BeforeAll
    static void data() throws Exception {
        corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
    }

    private static DiLoCoTrainer.Result run(TrainConfig.Builder b) throws Exception {
        return new DiLoCoTrainer(TestSupport.spark(), b.build(), QUIET).run();
    }

    private static List<RoundMetrics.WorkerSource> sources(RoundMetrics line) {
        return line.stateSource();
    }

    @Test
    void everyDeltaDroppedLeavesThetaUnchangedAndWorkersContinueFromOwnParameters() throws Exception {
        TrainConfig.Builder b = TestSupport.tinyConfig(corpus, tmp.resolve("drop1")).set(ROUNDS, 2).set(DROP_PROBABILITY, 1.0);
        DiLoCoTrainer.Result r = run(b);
        assertArrayEquals(new Gpt(b.build().model()).initialParameters(0), r.theta(), 0f, "no outer step was taken");
        for (RoundMetrics line : r.metrics()) {
            assertEquals(0, line.participation().deltasReceived());
            assertEquals(2, line.participation().deltasDropped());
            assertEquals(0L, line.traffic().bytesUp());
        }
        assertEquals("global", sources(r.metrics().get(0)).get(0).start());
        assertEquals("own", sources(r.metrics().get(1)).get(0).start(), "round 2 continues from θᵢ of round 1");
        assertTrue(r.metrics().get(1).losses().innerLoss() < r.metrics().get(0).losses().innerLoss(),
                "workers kept learning on their own parameters");
    }

    @Test
    void dropProbabilityZeroIsTheNormalRound() throws Exception {
        float[] plain = run(TestSupport.tinyConfig(corpus, tmp.resolve("plain")).set(ROUNDS, 2)).theta();
        float[] zero = run(TestSupport.tinyConfig(corpus, tmp.resolve("drop0")).set(ROUNDS, 2).set(DROP_PROBABILITY, 0.0)).theta();
        assertArrayEquals(plain, zero, 0f);
    }

    /**
     * The tree's last sum taken on an executor: the same θ (two workers' Δs summed in either order
     * give the same floats), and the driver receives one fp32 sum per round (4 bytes per
     * parameter, counted in bytes_up_partials) instead of the two workers' Δs.
     */
    @Test
    void finalCombineOnAnExecutorSendsOneSumToTheDriver() throws Exception {
        DiLoCoTrainer.Result driver = run(TestSupport.tinyConfig(corpus, tmp.resolve("combine-driver")).set(ROUNDS, 2)
                .set(FINAL_COMBINE, FinalCombine.DRIVER));
        DiLoCoTrainer.Result executor = run(TestSupport.tinyConfig(corpus, tmp.resolve("combine-executor")).set(ROUNDS, 2)
                .set(FINAL_COMBINE, FinalCombine.EXECUTOR));
        assertArrayEquals(driver.theta(), executor.theta(), 0f);
        long parameters = driver.theta().length;
        for (int i = 0; i < 2; i++) {
            RoundMetrics d = driver.metrics().get(i);
            RoundMetrics e = executor.metrics().get(i);
            assertEquals(2, e.participation().deltasReceived());
            assertEquals(d.traffic().bytesUp(), e.traffic().bytesUp(), "the same Δs leave the workers");
            assertEquals(0L, d.traffic().bytesUpPartials(), "on the driver: the two Δs arrive as they left");
            assertEquals(4L * parameters, e.traffic().bytesUpPartials(), "on an executor: one fp32 sum travels to the driver");
        }
    }

    /** A round in which nothing arrives leaves θ and the outer momentum exactly as they were. */
    @Test
    void roundWithoutDeltasSkipsTheOuterStep() {
        MomentumSgd outer = new MomentumSgd(2, 0.9f, true);
        DiLoCoRound round = new DiLoCoRound(fixedDeltas(new float[] {0.5f, -0.25f}, true, false), outer,
                OuterLrSchedule.parse("constant", 0.7f, 2), ClockKind.WALL);
        float[] theta = {1f, 1f};
        round.run(theta, RoundPlan.everyWorker(1, 1, 1));
        float[] afterFirst = theta.clone();
        float[] velocity = outer.state().get("velocity").clone();
        assertFalse(velocity[0] == 0f);
        round.run(theta, RoundPlan.everyWorker(2, 1, 1));
        assertArrayEquals(afterFirst, theta, 0f);
        assertArrayEquals(velocity, outer.state().get("velocity"), 0f);
    }

    /**
     * The round applies its own outer learning rate. By hand, Nesterov μ 0.9 with warmup:2 at peak
     * 0.7 and Δ = (0.5, −0.25) twice: round 1, lr 0.35, v = Δ, θ −= 0.35·1.9·Δ = 0.665·Δ; round 2,
     * lr 0.7, v = 1.9·Δ, θ −= 0.7·(1 + 0.9·1.9)·Δ = 1.897·Δ.
     */
    @Test
    void outerLearningRateFollowsItsSchedule() {
        float[] delta = {0.5f, -0.25f};
        DiLoCoRound round = new DiLoCoRound(fixedDeltas(delta, true, true), new MomentumSgd(2, 0.9f, true),
                OuterLrSchedule.parse("warmup:2", 0.7f, 2), ClockKind.WALL);
        float[] theta = {1f, 1f};
        assertEquals(0.35f, round.run(theta, RoundPlan.everyWorker(1, 1, 1)).outerLr(), 1e-7f);
        assertArrayEquals(new float[] {0.6675f, 1.16625f}, theta, 1e-6f);
        assertEquals(0.7f, round.run(theta, RoundPlan.everyWorker(2, 1, 1)).outerLr(), 1e-7f);
        assertArrayEquals(new float[] {0.6675f - 1.897f * 0.5f, 1.16625f + 1.897f * 0.25f}, theta, 1e-6f);
    }

    /** A worker pool whose single worker reports {@code delta} in the rounds marked in {@code arrives}. */
    private static WorkerPool fixedDeltas(float[] delta, boolean... arrives) {
        return new TestSupport.StubPool() {
            @Override
            public InnerRound innerSteps(float[] theta, RoundPlan plan) {
                boolean ok = arrives[plan.round - 1];
                return new InnerRound(ok ? delta.clone() : null, ok ? 1 : 0, ok ? 1f : 0f, List.of(), 0, 0, 0, 0);
            }
        };
    }

    /**
     * Compressed outer gradients on a real run: each worker's Δ leaves its task in the format asked
     * for (bytes_up = received × its encoded size: P bytes + 4 per block of 1024 for int8, 2P for
     * bf16), the run still learns, and its θ stays near the fp32 run's.
     */
    @Test
    void compressedOuterGradientsSendFewerBytesAndStillLearn() throws Exception {
        DiLoCoTrainer.Result fp32 = run(TestSupport.tinyConfig(corpus, tmp.resolve("fp32")).set(ROUNDS, 2));
        int p = fp32.theta().length;
        for (OuterGradDtype dtype : OuterGradDtype.values()) {
            DiLoCoTrainer.Result r = run(TestSupport.tinyConfig(corpus, tmp.resolve("dtype-" + dtype)).set(ROUNDS, 2)
                    .set(OUTER_GRAD_DTYPE, dtype));
            long each = dtype == OuterGradDtype.INT8 ? p + 4L * ((p + 1023) / 1024) : (long) dtype.bytesPerValue() * p;
            for (RoundMetrics m : r.metrics()) {
                assertEquals(2 * each, m.traffic().bytesUp(), dtype + " round " + m.round());
                assertEquals(0, m.traffic().bytesUpPartials(), "two workers at depth 2: both Δs reach the driver as they left");
            }
            assertTrue(r.finalValLoss() < r.initialValLoss() - 0.05, dtype + " learns: " + r.initialValLoss() + " -> "
                    + r.finalValLoss());
            double diff = IdentityTest.maxAbsDiff(fp32.theta(), r.theta());
            if (dtype == OuterGradDtype.FP32) {
                assertEquals(0.0, diff, "fp32 is the default: bit for bit");
            } else {
                assertTrue(diff > 0 && diff < 1e-2, dtype + " moves θ a little from fp32: " + diff);
            }
        }
    }

    /**
     * bf16 compute on a real run with three workers: the run learns; its θ differs from the fp32
     * run's but moved the same way from the shared initial θ (cosine of the two moves above 0.999; 0.99997
     * when written) and ends within 1% of its validation loss; the same command gives the same θ
     * bit for bit. The fp32 default is the run every other test checks against plain AdamW.
     */
    @Test
    void bf16ComputeLearnsMovesLikeFp32AndRepeatsBitForBit() throws Exception {
        TrainConfig.Builder base = TestSupport.tinyConfig(corpus, tmp.resolve("unused")).set(WORKERS, 3).set(ROUNDS, 2);
        DiLoCoTrainer.Result fp32 = run(base.set(OUT, tmp.resolve("fp32-3").toString()));
        DiLoCoTrainer.Result bf16 = run(base.set(PRECISION, Precision.BF16).set(OUT, tmp.resolve("bf16-a").toString()));
        DiLoCoTrainer.Result again = run(base.set(OUT, tmp.resolve("bf16-b").toString()));
        assertTrue(bf16.finalValLoss() < bf16.initialValLoss() - 0.05, "learns: " + bf16.initialValLoss() + " -> "
                + bf16.finalValLoss());
        assertArrayEquals(bf16.theta(), again.theta(), "same command, same model");
        float[] init = new Gpt(base.build().model()).initialParameters(base.build().get(Options.SEED));
        double dot = 0;
        double f2 = 0;
        double b2 = 0;
        for (int i = 0; i < init.length; i++) {
            double f = fp32.theta()[i] - init[i];
            double b = bf16.theta()[i] - init[i];
            dot += f * b;
            f2 += f * f;
            b2 += b * b;
        }
        double cosine = dot / Math.sqrt(f2 * b2);
        assertTrue(IdentityTest.maxAbsDiff(fp32.theta(), bf16.theta()) > 0, "bf16 products change θ");
        assertTrue(cosine > 0.999, "bf16 moves θ as fp32 does: cosine " + cosine);
        assertEquals(fp32.finalValLoss(), bf16.finalValLoss(), 0.01 * fp32.finalValLoss(), "within 1% of fp32's loss");
    }

    /**
     * Pruned outer gradients on a real run: each Δ travels as the kept half of each block of 1024
     * values plus a bit per value (bytes_up = received × (4·kept + P/8 rounded up to 8-byte words)),
     * and the run still learns.
     */
    @Test
    void prunedOuterGradientsSendTheKeptValuesAndABitmap() throws Exception {
        DiLoCoTrainer.Result r = run(TestSupport.tinyConfig(corpus, tmp.resolve("prune")).set(ROUNDS, 2)
                .set(Options.OUTER_GRAD_PRUNE, 0.5));
        int p = r.theta().length;
        long kept = 0;
        for (int from = 0; from < p; from += 1024) {
            int n = Math.min(1024, p - from);
            kept += n - n / 2;
        }
        long each = 4 * kept + 8L * ((p + 63) / 64);
        for (RoundMetrics m : r.metrics()) {
            assertEquals(2 * each, m.traffic().bytesUp(), "round " + m.round());
        }
        assertTrue(r.finalValLoss() < r.initialValLoss() - 0.05, "learns: " + r.initialValLoss() + " -> " + r.finalValLoss());
    }

    @Test
    void poolScheduleChangesTheWorkersPerRound() throws Exception {
        DiLoCoTrainer.Result r = run(TestSupport.tinyConfig(corpus, tmp.resolve("pool")).set(WORKERS, 3).set(ROUNDS, 3)
                .set(POOL_SCHEDULE, "1,3,2"));
        int[] expected = {1, 3, 2};
        for (int i = 0; i < 3; i++) {
            RoundMetrics line = r.metrics().get(i);
            assertEquals(expected[i], line.participation().workers());
            assertEquals(expected[i], line.participation().deltasReceived());
            assertEquals(expected[i], sources(line).size());
        }
        // round 2: worker 0 continues its state, workers 1 and 2 join fresh from θ
        List<RoundMetrics.WorkerSource> round2 = sources(r.metrics().get(1));
        assertEquals("memory", round2.get(0).source());
        assertEquals("fresh", round2.get(1).source());
        assertEquals("global", round2.get(2).start());
        // round 3: worker 1 continues from round 2; worker 2 sits out and keeps its state
        assertEquals(2, sources(r.metrics().get(2)).size());
        assertEquals(2, sources(r.metrics().get(2)).get(1).round());
    }

    @Test
    void poolSchedulesParse() {
        assertEquals(2, PoolSchedule.parse("ramp:2:8", 8).active(1, 7));
        assertEquals(5, PoolSchedule.parse("ramp:2:8", 8).active(4, 7));
        assertEquals(8, PoolSchedule.parse("ramp:2:8", 8).active(7, 7));
        assertEquals(2, PoolSchedule.parse("ramp:8:2", 8).active(7, 7));
        assertEquals(4, PoolSchedule.parse("constant:4", 8).active(3, 9));
        assertEquals(3, PoolSchedule.parse("1,2,3", 8).active(9, 9));
        assertThrows(UserError.class, () -> PoolSchedule.parse("constant:9", 8));
        assertThrows(UserError.class, () -> PoolSchedule.parse("ramp:2", 8));
        assertThrows(UserError.class, () -> PoolSchedule.parse("lots", 8));
    }

    /** Warm start: a run from another run's model starts at that model's validation loss. */
    @Test
    void initFromContinuesFromASavedModel() throws Exception {
        Path first = tmp.resolve("first");
        DiLoCoTrainer.Result a = run(TestSupport.tinyConfig(corpus, first).set(ROUNDS, 2));
        DiLoCoTrainer.Result b = run(TestSupport.tinyConfig(corpus, tmp.resolve("second")).set(ROUNDS, 1)
                .set(INIT_FROM, first.resolve(RunOutput.MODEL).toString()));
        assertEquals(a.finalValLoss(), b.initialValLoss(), 1e-6);
        UserError e = assertThrows(UserError.class, () -> run(TestSupport.tinyConfig(corpus, tmp.resolve("third"))
                .set(LAYERS, 3).set(INIT_FROM, first.resolve(RunOutput.MODEL).toString())));
        assertTrue(e.getMessage().contains("--init-from"), e.getMessage());
        assertFalse(java.nio.file.Files.exists(tmp.resolve("third")), "nothing written on a bad --init-from");
    }
}
