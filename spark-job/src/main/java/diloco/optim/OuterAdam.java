package diloco.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam on the outer gradient. The paper found it unstable unless ε is large (≈0.1, the default of
 * {@code --outer-eps}), because Δ is already an accumulated, well-scaled step.
 */
public final class OuterAdam implements OuterOptimizer {
    private static final long serialVersionUID = 1L;

    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float[] m;
    private final float[] v;
    /** Steps taken, in an array so checkpoints save and restore it with the moments (exact to 2^24). */
    private final float[] steps = new float[1];

    public OuterAdam(int size, float beta1, float beta2, float eps) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.m = new float[size];
        this.v = new float[size];
    }

    @Override
    public void step(float[] theta, float[] delta, float lr) {
        long t = (long) ++steps[0];
        double c1 = 1 - StrictMath.pow(beta1, t);
        double c2 = 1 - StrictMath.pow(beta2, t);
        for (int i = 0; i < theta.length; i++) {
            float g = delta[i];
            m[i] = beta1 * m[i] + (1 - beta1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            theta[i] -= (float) (lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + eps));
        }
    }

    @Override
    public Map<String, float[]> state() {
        Map<String, float[]> s = new LinkedHashMap<>();
        s.put("m", m);
        s.put("v", v);
        s.put("t", steps);
        return s;
    }
}
