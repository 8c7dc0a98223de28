package diloco.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outer optimizer of asynchronous DiLoCo: Delayed Nesterov momentum (Liu et al. 2024,
 * "Asynchronous Local-SGD"), over periods of {@code period} arrivals (k, one round's worth):
 *
 * <pre>
 *   each arrival but a period's last:   θ ← θ − lr·Δ/k;   p ← p + Δ             (plain outer SGD)
 *   a period's last arrival:            p ← p + Δ;  v ← μ·v + p/k;  θ ← θ − lr·(Δ/k + μ·v);  p ← 0
 * </pre>
 *
 * Over a period whose k Δs were computed from the same θ this is exactly one synchronous Nesterov
 * step with their mean ({@link MomentumSgd}: v ← μ·v + Δ̄, θ ← θ − lr·(Δ̄ + μ·v)); with k = 1 it is
 * that step, bit for bit. Momentum moves once per period, so stale Δs do not compound through it.
 *
 * <p>Its state for checkpoints is v and, since each worker's Δ is applied against the θ it started
 * from, the θ handed to each worker still in flight ({@link #handedOut}). Periods end with rounds,
 * where checkpoints are written, so p is then 0 and is not saved.
 */
public final class DelayedNesterov implements OuterOptimizer {
    private static final long serialVersionUID = 1L;
    private static final String START = "start.";

    private final float momentum;
    private final float period;
    private final float[] velocity;
    private final float[] pending;
    private final TreeMap<Integer, float[]> handedOut = new TreeMap<>();

    public DelayedNesterov(int size, float momentum, int period) {
        this.momentum = momentum;
        this.period = period;
        this.velocity = new float[size];
        this.pending = new float[size];
    }

    /** One arrival that does not end a period: a plain step of Δ/k; Δ waits for the period's momentum step. */
    public void arrive(float[] theta, float[] delta, float lr) {
        for (int i = 0; i < theta.length; i++) {
            pending[i] += delta[i];
            theta[i] -= lr * (delta[i] / period);
        }
    }

    /** The period's last arrival ({@code delta} null when its Δ was lost): the momentum step. */
    public void closePeriod(float[] theta, float[] delta, float lr) {
        for (int i = 0; i < theta.length; i++) {
            float d = delta == null ? 0f : delta[i];
            float p = pending[i] + d;
            float v = momentum * velocity[i] + p / period;
            velocity[i] = v;
            theta[i] -= lr * (d / period + momentum * v);
            pending[i] = 0f;
        }
    }

    /** A synchronous step is a period of one arrival: the Nesterov step. */
    @Override
    public void step(float[] theta, float[] outerGradient, float lr) {
        closePeriod(theta, outerGradient, lr);
    }

    /** The θ each worker in flight started from, by worker (live: the asynchronous rounds keep it). */
    public Map<Integer, float[]> handedOut() {
        return handedOut;
    }

    @Override
    public Map<String, float[]> state() {
        Map<String, float[]> s = new LinkedHashMap<>();
        s.put("velocity", velocity);
        handedOut.forEach((w, theta) -> s.put(START + w, theta));
        return s;
    }

    @Override
    public void load(Map<String, float[]> saved) {
        float[] v = saved.get("velocity");
        if (v == null || v.length != velocity.length) {
            throw new IllegalArgumentException("saved outer state lacks 'velocity' of " + velocity.length + " values");
        }
        System.arraycopy(v, 0, velocity, 0, v.length);
        handedOut.clear();
        saved.forEach((name, values) -> {
            if (name.startsWith(START)) {
                handedOut.put(Integer.parseInt(name.substring(START.length())), values.clone());
            }
        });
    }
}
