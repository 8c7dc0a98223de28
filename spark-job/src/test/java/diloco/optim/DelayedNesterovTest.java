package diloco.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import org.junit.jupiter.api.Test;

import java.util.Map;

/** Delayed Nesterov worked by hand, against the synchronous Nesterov step it must reduce to. */
class DelayedNesterovTest {

    /**
     * Period 2, μ 0.5, lr 1, θ = 1. Δ = 0.2 arrives: θ = 1 − 0.2/2 = 0.9. Δ = 0.4 closes the period:
     * p = 0.6, v = 0.3, θ = 0.9 − (0.4/2 + 0.5·0.3) = 0.55, which is synchronous Nesterov with the
     * mean 0.3: v = 0.3, θ = 1 − (0.3 + 0.15). Then 0.1 and 0.1: θ = 0.5, v = 0.15 + 0.1 = 0.25,
     * θ = 0.5 − (0.05 + 0.125) = 0.325 (synchronous: 0.55 − (0.1 + 0.125)).
     */
    @Test
    void aPeriodOfArrivalsFromOneThetaIsOneNesterovStepWithTheirMean() {
        DelayedNesterov dn = new DelayedNesterov(1, 0.5f, 2);
        float[] theta = {1f};
        dn.arrive(theta, new float[] {0.2f}, 1f);
        assertEquals(0.9f, theta[0], 1e-7f);
        dn.closePeriod(theta, new float[] {0.4f}, 1f);
        assertEquals(0.55f, theta[0], 1e-6f);
        assertEquals(0.3f, dn.state().get("velocity")[0], 1e-7f);
        dn.arrive(theta, new float[] {0.1f}, 1f);
        dn.closePeriod(theta, new float[] {0.1f}, 1f);
        assertEquals(0.325f, theta[0], 1e-6f);

        MomentumSgd sync = new MomentumSgd(1, 0.5f, true);
        float[] s = {1f};
        sync.step(s, new float[] {0.3f}, 1f);
        sync.step(s, new float[] {0.1f}, 1f);
        assertEquals(s[0], theta[0], 1e-6f);
    }

    /** A period's last Δ lost: the momentum step still comes, with what arrived (a lost Δ counts 0). */
    @Test
    void aLostLastArrivalStillClosesThePeriod() {
        DelayedNesterov dn = new DelayedNesterov(1, 0.5f, 2);
        float[] theta = {1f};
        dn.arrive(theta, new float[] {0.4f}, 1f); // θ = 0.8, p = 0.4
        dn.closePeriod(theta, null, 1f);           // v = 0.2, θ = 0.8 − 0.5·0.2 = 0.7
        assertEquals(0.7f, theta[0], 1e-6f);
    }

    @Test
    void withAPeriodOfOneItIsNesterovBitForBit() {
        float[] deltas = {0.123f, -0.456f, 0.789f, 1e-3f};
        DelayedNesterov dn = new DelayedNesterov(2, 0.9f, 1);
        MomentumSgd nesterov = new MomentumSgd(2, 0.9f, true);
        float[] a = {0.3f, -0.7f};
        float[] b = a.clone();
        for (float d : deltas) {
            dn.closePeriod(a, new float[] {d, -d / 3}, 0.7f);
            nesterov.step(b, new float[] {d, -d / 3}, 0.7f);
        }
        assertArrayEquals(b, a, 0f);
    }

    /** The θ handed to workers in flight is part of the state a checkpoint keeps. */
    @Test
    void theThetaHandedOutTravelsWithTheState() {
        DelayedNesterov dn = new DelayedNesterov(2, 0.9f, 3);
        dn.closePeriod(new float[] {1f, 1f}, new float[] {0.5f, 0.25f}, 1f);
        dn.handedOut().put(2, new float[] {7f, 8f});
        Map<String, float[]> saved = dn.state();
        DelayedNesterov back = new DelayedNesterov(2, 0.9f, 3);
        back.load(saved);
        assertArrayEquals(dn.state().get("velocity"), back.state().get("velocity"), 0f);
        assertArrayEquals(new float[] {7f, 8f}, back.handedOut().get(2), 0f);
        assertNotSame(saved.get("start.2"), back.handedOut().get(2));
        assertEquals(1, back.handedOut().size());
    }
}
