package diloco.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

import diloco.model.ParamLayout;

import java.util.List;

/**
 * The inner optimizer: AdamW with decoupled weight decay, whose state ({@link AdamWState}) we own,
 * so it can persist across rounds, be handed over and be checkpointed (DJL's built-in AdamW keeps
 * its moments private). Each update is DJL's fused PyTorch kernel, the same arithmetic as DJL's
 * {@code ai.djl.training.optimizer.AdamW}:
 *
 * <pre>
 *   g ← rescale·g;   w ← w − lr·wd·w;   m ← β₁m + (1−β₁)g;   v ← β₂v + (1−β₂)g²
 *   w ← w − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε)
 * </pre>
 *
 * Clipping is by the global L2 norm of all gradients (the kernel's own clip is a per-element
 * clamp), applied through {@code rescale = min(1, clip / ‖g‖)}. Weight decay is applied only to
 * tensors the layout marks for decay (matrices and embeddings), unless {@code decayAll}.
 */
public final class AdamW {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final float gradClip;
    private final boolean decayAll;
    private final List<ParamLayout.Entry> entries;

    public AdamW(ParamLayout layout, float beta1, float beta2, float eps, float weightDecay, float gradClip,
            boolean decayAll) {
        this.entries = layout.entries();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.gradClip = gradClip;
        this.decayAll = decayAll;
    }

    /**
     * Applies one update to {@code params} (layout order) from their gradients, and clears the
     * gradients. Returns the global gradient L2 norm before clipping (NaN when it was not
     * computed because clipping is off).
     */
    public float step(NDList params, AdamWState state, float lr) {
        if (params.size() != entries.size()) {
            throw new IllegalArgumentException("expected " + entries.size() + " parameters, got " + params.size());
        }
        NDList grads = new NDList(params.size());
        for (NDArray p : params) {
            grads.add(p.getGradient());
        }
        float norm = Float.NaN;
        float rescale = 1f;
        if (gradClip > 0f) {
            norm = globalNorm(grads);
            if (norm > gradClip) {
                rescale = gradClip / (norm + 1e-6f);
            }
        }
        state.step++;
        // StrictMath: identical bits whether this code runs interpreted or JIT-compiled
        double coef1 = 1.0 - StrictMath.pow(beta1, state.step);
        double coef2 = 1.0 - StrictMath.pow(beta2, state.step);
        float lrBiasCorrected = (float) (lr * Math.sqrt(coef2) / coef1);
        for (int i = 0; i < params.size(); i++) {
            NDArray w = params.get(i);
            float wd = decayAll || entries.get(i).decay ? weightDecay : 0f;
            // The kernel also zeroes w's gradient afterwards (PyTorch accumulates otherwise).
            w.getNDArrayInternal().adamUpdate(
                    new NDList(w, grads.get(i), state.means.get(i), state.variances.get(i)),
                    new NDList(w),
                    lr, lrBiasCorrected, wd, rescale, -1f, beta1, beta2, eps, false, true);
        }
        return norm;
    }

    /** √(Σ‖g‖²) over all gradients, one device sync. */
    static float globalNorm(NDList grads) {
        NDArray sumSquares = null;
        for (NDArray g : grads) {
            NDArray s = g.square().sum();
            sumSquares = sumSquares == null ? s : sumSquares.add(s);
        }
        return sumSquares == null ? 0f : (float) Math.sqrt(sumSquares.getFloat());
    }
}
