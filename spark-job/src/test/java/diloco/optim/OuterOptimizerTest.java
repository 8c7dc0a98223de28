package diloco.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OuterOptimizerTest {
    private static final float[][] DELTAS = {{0.5f, 0.1f}, {0.2f, -0.3f}, {-0.1f, 0.4f}};

    /** Values worked by hand from v ← μv + Δ; θ ← θ − lr(Δ + μv), lr 0.7, μ 0.9. */
    @Test
    void nesterovMatchesHandComputedThreeRounds() {
        MomentumSgd opt = new MomentumSgd(2, 0.9f, true);
        float[] theta = {1.0f, -2.0f};
        float[][] expected = {{0.335f, -2.133f}, {-0.2145f, -1.7907f}, {-0.45005f, -2.20363f}};
        for (int r = 0; r < 3; r++) {
            opt.step(theta, DELTAS[r], 0.7f);
            assertArrayEquals(expected[r], theta, 1e-5f, "round " + (r + 1));
        }
        assertArrayEquals(new float[] {0.485f, 0.211f}, opt.state().get("velocity"), 1e-6f);
    }

    /** Heavy ball: v ← μv + Δ; θ ← θ − lr·v. */
    @Test
    void heavyBallMatchesHandComputed() {
        MomentumSgd opt = new MomentumSgd(2, 0.5f, false);
        float[] theta = {1.0f, -2.0f};
        opt.step(theta, DELTAS[0], 0.5f); // v = (0.5, 0.1)    θ = (0.75, -2.05)
        opt.step(theta, DELTAS[1], 0.5f); // v = (0.45, -0.25) θ = (0.525, -1.925)
        assertArrayEquals(new float[] {0.525f, -1.925f}, theta, 1e-6f);
    }

    /**
     * Δ = θ − θᵢ (old minus new): with lr 1 and no momentum the outer step lands exactly on the
     * workers' mean (FedAvg), i.e. it moves toward the workers, not away.
     */
    @Test
    void fedAvgLandsOnWorkerMean() {
        float[] theta = {1f, 1f};
        float[] worker1 = {0.5f, 2f};
        float[] worker2 = {1.5f, 4f};
        float[] delta = new float[2];
        for (int i = 0; i < 2; i++) {
            delta[i] = ((theta[i] - worker1[i]) + (theta[i] - worker2[i])) / 2;
        }
        new MomentumSgd(2, 0f, true).step(theta, delta, 1f);
        assertArrayEquals(new float[] {1.0f, 3.0f}, theta, 0f);
    }

    /** One Adam step moves each coordinate by about lr·sign(Δ) when |Δ| ≫ ε (bias-corrected). */
    @Test
    void adamFirstStepIsSignedLr() {
        OuterAdam adam = new OuterAdam(2, 0.9f, 0.999f, 1e-8f);
        float[] theta = {0f, 0f};
        adam.step(theta, new float[] {3f, -0.5f}, 0.1f);
        assertArrayEquals(new float[] {-0.1f, 0.1f}, theta, 1e-6f);
        // with ε = 0.1 as the paper advises, small Δ moves much less than lr
        OuterAdam damped = new OuterAdam(1, 0.9f, 0.999f, 0.1f);
        float[] t2 = {0f};
        damped.step(t2, new float[] {0.01f}, 0.1f);
        assertEquals(-0.1f * 0.01f / (0.01f + 0.1f), t2[0], 1e-7f);
    }
}
