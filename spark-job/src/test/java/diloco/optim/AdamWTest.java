package diloco.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

import diloco.DjlEngine;
import diloco.model.FlatParameters;
import diloco.model.ParamLayout;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Random;

/** Our AdamW against DJL's own AdamW on the same gradients. */
class AdamWTest {
    @RegisterExtension
    static final DjlEngine DJL = new DjlEngine();
    private static final ParamLayout LAYOUT = new ParamLayout.Builder()
            .add("w", true, 3, 4).add("b", false, 4).build();
    /** Larger than two of the update's slices ({@link AdamW#CHUNK}), with a bias inside the second. */
    private static final ParamLayout LARGE = new ParamLayout.Builder()
            .add("w", true, 400, 1000).add("b", false, 1000).add("w2", true, 200, 1000).build();

    private static float[] random(Random rng, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rng.nextGaussian() * scale;
        }
        return v;
    }

    /** Gives each parameter exactly gradient g by back-propagating Σ p·g. */
    private static void setGradients(FlatParameters flat, NDList grads) {
        try (GradientCollector gc = DJL.engine().newGradientCollector()) {
            NDList params = flat.views();
            NDArray loss = null;
            for (int i = 0; i < params.size(); i++) {
                NDArray term = params.get(i).mul(grads.get(i)).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }

    private static void compareWithDjl(float gradClip, float gradScale) {
        compareWithDjl(LAYOUT, gradClip, gradScale);
    }

    private static void compareWithDjl(ParamLayout LAYOUT, float gradClip, float gradScale) {
        Random rng = new Random(7);
        float lr = 0.01f;
        float wd = 0.1f;
        float[] theta0 = random(rng, LAYOUT.size(), 1f);
        try (NDManager m = DJL.manager().newSubManager()) {
            FlatParameters ours = FlatParameters.of(LAYOUT, theta0, m);
            NDList theirs = LAYOUT.toArrays(theta0, m);
            AdamW adamw = new AdamW(new AdamWSettings(0.9f, 0.95f, 1e-8f, wd, gradClip), true);
            AdamWState state = AdamWState.fresh(LAYOUT, m);
            Optimizer djl = Optimizer.adamW().optLearningRateTracker(Tracker.fixed(lr))
                    .optBeta1(0.9f).optBeta2(0.95f).optEpsilon(1e-8f).optWeightDecays(wd).build();
            for (int step = 0; step < 6; step++) {
                float[] g = random(rng, LAYOUT.size(), gradScale);
                NDList grads = LAYOUT.toArrays(g, m);
                setGradients(ours, grads);
                float norm = adamw.step(ours, state, lr);
                double expectedNorm = 0;
                for (float x : g) {
                    expectedNorm += x * x;
                }
                expectedNorm = Math.sqrt(expectedNorm);
                float scale = 1f;
                if (gradClip > 0) {
                    assertEquals(expectedNorm, norm, 1e-4 * expectedNorm);
                    if (expectedNorm > gradClip) {
                        scale = (float) (gradClip / (expectedNorm + 1e-6));
                    }
                }
                for (int i = 0; i < theirs.size(); i++) {
                    // DJL's optimizer on the clipped gradient we computed by hand
                    djl.update(LAYOUT.entries().get(i).name, theirs.get(i), grads.get(i).mul(scale));
                }
            }
            assertArrayEquals(LAYOUT.flatten(theirs), ours.toHost(), 1e-6f);
            assertEquals(6, state.step());
        }
    }

    @Test
    void matchesDjlAdamWOnSameGradients() {
        compareWithDjl(0f, 1f);
    }

    @Test
    void clipsByGlobalNormLikeDjlOnPreScaledGradients() {
        compareWithDjl(0.5f, 3f); // ‖g‖ ≈ 3·√16 ≫ 0.5: every step is clipped
    }

    @Test
    void updatesEverySliceOfALargeBuffer() {
        assertTrue(LARGE.size() > 2 * AdamW.CHUNK);
        compareWithDjl(LARGE, 0.5f, 1f);
    }

    /** With zero gradients only decay moves weights: w ← w(1 − lr·wd), and biases ("b") stay put. */
    private static void decaysAllButTheBias(ParamLayout layout, int biasSize) {
        float[] theta = new float[layout.size()];
        java.util.Arrays.fill(theta, 2f);
        try (NDManager m = DJL.manager().newSubManager()) {
            FlatParameters params = FlatParameters.of(layout, theta, m);
            setGradients(params, layout.toArrays(new float[layout.size()], m));
            new AdamW(new AdamWSettings(0.9f, 0.95f, 1e-8f, 0.5f, 0f), false).step(params, AdamWState.fresh(layout, m), 0.1f);
            float[] after = params.toHost();
            int bias = layout.get("b").offset;
            for (int i = 0; i < after.length; i++) {
                boolean isBias = i >= bias && i < bias + biasSize;
                assertEquals(isBias ? 2f : 2f * (1 - 0.1f * 0.5f), after[i], 1e-6f, "element " + i);
            }
        }
    }

    @Test
    void noWeightDecayOnBiases() {
        decaysAllButTheBias(LAYOUT, 4);
    }

    /** The same in every slice of the update, with the bias inside the second. */
    @Test
    void noWeightDecayOnBiasesOfALargeBuffer() {
        decaysAllButTheBias(LARGE, 1000);
    }

    @Test
    void stateCopyIsIndependent() {
        try (NDManager m = DJL.manager().newSubManager()) {
            AdamWState a = AdamWState.fresh(LAYOUT, m);
            a.step = 3;
            AdamWState b = a.copy(m);
            a.means.addi(1f);
            a.step = 4;
            assertEquals(3, b.step());
            assertEquals(0f, b.means.sum().getFloat(), 0f);
            assertEquals(new Shape(LAYOUT.size()), b.means.getShape());
        }
    }
}
