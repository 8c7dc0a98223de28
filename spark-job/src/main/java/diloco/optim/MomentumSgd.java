package diloco.optim;

import java.util.Map;

/**
 * SGD with momentum, as PyTorch's {@code SGD(momentum=μ, nesterov=...)} without dampening:
 *
 * <pre>
 *   v ← μ·v + Δ
 *   θ ← θ − lr·(Δ + μ·v)     (Nesterov, the paper's outer optimizer: lr 0.7, μ 0.9)
 *   θ ← θ − lr·v             (heavy ball)
 * </pre>
 *
 * With μ = 0 both are plain SGD; with lr = 1 as well, that is FedAvg (θ becomes the workers' mean).
 */
public final class MomentumSgd implements OuterOptimizer {
    private static final long serialVersionUID = 1L;

    private final float momentum;
    private final boolean nesterov;
    private final float[] velocity;

    public MomentumSgd(int size, float momentum, boolean nesterov) {
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.velocity = new float[size];
    }

    @Override
    public void step(float[] theta, float[] delta, float lr) {
        for (int i = 0; i < theta.length; i++) {
            float v = momentum * velocity[i] + delta[i];
            velocity[i] = v;
            theta[i] -= lr * (nesterov ? delta[i] + momentum * v : v);
        }
    }

    @Override
    public Map<String, float[]> state() {
        return Map.of("velocity", velocity);
    }
}
