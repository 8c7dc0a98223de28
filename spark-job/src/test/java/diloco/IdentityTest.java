package diloco;

import static diloco.config.Options.BATCH_SIZE;
import static diloco.config.Options.EVAL_EVERY;
import static diloco.config.Options.GRAD_CLIP;
import static diloco.config.Options.INNER_BETA1;
import static diloco.config.Options.INNER_BETA2;
import static diloco.config.Options.INNER_EPS;
import static diloco.config.Options.INNER_LR;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.MIN_LR_RATIO;
import static diloco.config.Options.OUTER_LR;
import static diloco.config.Options.OUTER_MOMENTUM;
import static diloco.config.Options.OUTER_OPTIMIZER;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.SEED;
import static diloco.config.Options.VAL_FRACTION;
import static diloco.config.Options.WARMUP_STEPS;
import static diloco.config.Options.WEIGHT_DECAY;
import static diloco.config.Options.WORKERS;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import diloco.config.TrainConfig;
import diloco.data.BatchSampler;
import diloco.data.Shard;
import diloco.data.TrainingData;
import diloco.engine.Engines;
import diloco.model.FlatParameters;
import diloco.model.Gpt;
import diloco.optim.AdamW;
import diloco.optim.AdamWSettings;
import diloco.optim.AdamWState;
import diloco.optim.LearningRateSchedule;
import diloco.optim.OuterOptimizerKind;
import diloco.run.DiLoCoTrainer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The identity that proves the wiring: one worker with FedAvg (outer SGD, lr 1, no momentum) is
 * plain AdamW training, however its steps are cut into rounds. It holds only if the worker's
 * AdamW state survives between rounds, batches and learning rate follow the global step, and
 * the outer gradient has the paper's sign.
 */
class IdentityTest {
    @TempDir
    Path tmp;

    private TrainConfig config(Path data, int h, int r) {
        return TestSupport.tinyConfig(data, tmp.resolve("out-" + h + "x" + r))
                .set(WORKERS, 1).set(INNER_STEPS, h).set(ROUNDS, r)
                .set(OUTER_OPTIMIZER, OuterOptimizerKind.SGD).set(OUTER_LR, 1f).set(OUTER_MOMENTUM, 0f)
                .set(VAL_FRACTION, 0.0).set(EVAL_EVERY, 0)
                .build();
    }

    @Test
    void oneWorkerFedAvgEqualsPlainAdamW() throws Exception {
        Path data = TestSupport.writeCorpus(tmp.resolve("corpus"));
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        float[] fiveByFour = new DiLoCoTrainer(TestSupport.spark(), config(data, 5, 4), quiet).run().theta();
        float[] twentyByOne = new DiLoCoTrainer(TestSupport.spark(), config(data, 20, 1), quiet).run().theta();
        float[] plain = plainAdamW(config(data, 20, 1), 20);

        assertClose(twentyByOne, plain, 1e-5, "H=20,R=1 vs plain AdamW");
        assertClose(fiveByFour, twentyByOne, 1e-5, "H=5,R=4 vs H=20,R=1");
        assertClose(fiveByFour, plain, 1e-5, "H=5,R=4 vs plain AdamW");
        float[] init = new Gpt(config(data, 20, 1).model()).initialParameters(0);
        assertTrue(maxAbsDiff(init, plain) > 1e-3, "training moved the parameters");
    }

    /** 20 steps of AdamW on the worker's shard, no Spark, no rounds, no outer optimizer. */
    private static float[] plainAdamW(TrainConfig c, int steps) throws Exception {
        Shard shard = TrainingData.prepare(TestSupport.spark(), c.data(), c.model().context()).shards.first();
        Gpt gpt = new Gpt(c.model());
        Engine engine = Engines.start(1);
        LearningRateSchedule lr = new LearningRateSchedule(c.get(INNER_LR), c.get(WARMUP_STEPS), c.lrDecaySteps(), c.get(MIN_LR_RATIO));
        AdamW adamw = new AdamW(new AdamWSettings(c.get(INNER_BETA1), c.get(INNER_BETA2), c.get(INNER_EPS),
                c.get(WEIGHT_DECAY), c.get(GRAD_CLIP)), false);
        try (NDManager m = engine.newBaseManager()) {
            FlatParameters p = FlatParameters.of(gpt.layout(), gpt.initialParameters(c.get(SEED)), m);
            AdamWState state = AdamWState.fresh(gpt.layout(), m);
            int b = c.get(BATCH_SIZE);
            int t = c.model().context();
            long[] x = new long[b * t];
            long[] y = new long[b * t];
            for (int s = 0; s < steps; s++) {
                BatchSampler.fill(shard.tokens(), c.get(SEED), 0, s, b, t, x, y);
                try (NDManager sm = m.newSubManager()) {
                    sm.tempAttachAll(p.array());
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        gc.backward(gpt.loss(p.views(), sm.create(x, new Shape(b, t)), sm.create(y, new Shape(b, t)), true));
                    }
                    adamw.step(p, state, lr.at(s));
                }
            }
            return p.toHost();
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static void assertClose(float[] a, float[] b, double tol, String what) {
        double d = maxAbsDiff(a, b);
        assertTrue(d <= tol, what + ": max abs diff " + d);
    }
}
