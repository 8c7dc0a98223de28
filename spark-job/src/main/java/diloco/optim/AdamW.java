package diloco.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import diloco.model.FlatParameters;

/**
 * The inner optimizer: AdamW with decoupled weight decay, whose state ({@link AdamWState}) we own,
 * so it can persist across rounds, be handed over and be checkpointed (DJL's built-in AdamW keeps
 * its moments private). The update is DJL's fused PyTorch kernel, the same arithmetic as DJL's
 * {@code ai.djl.training.optimizer.AdamW}, applied once to the whole parameter buffer:
 *
 * <pre>
 *   g ← rescale·g;   w ← w − lr·wd·mask·w;   m ← β₁m + (1−β₁)g;   v ← β₂v + (1−β₂)g²
 *   w ← w − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε)
 * </pre>
 *
 * Clipping is by the global L2 norm of all gradients (the kernel's own clip is a per-element
 * clamp), applied through {@code rescale = min(1, clip / ‖g‖)}. Weight decay applies only where
 * the layout marks it (matrices and embeddings: {@code mask}), unless {@code decayAll}.
 */
public final class AdamW {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final float gradClip;
    private final boolean decayAll;
    /**
     * Elements per slice of the update. The kernel makes several temporaries the size of what it
     * updates; slices keep them small enough for the allocator to reuse (a whole-buffer temporary
     * of a 10M-parameter model is fresh pages every step) and cache-resident.
     */
    static final long CHUNK = 1L << 18;

    /** {@code decayAll}: weight decay on every parameter, not only where the layout marks it (DJL's AdamW does). */
    public AdamW(AdamWSettings settings, boolean decayAll) {
        this.beta1 = settings.beta1();
        this.beta2 = settings.beta2();
        this.eps = settings.eps();
        this.weightDecay = settings.weightDecay();
        this.gradClip = settings.gradClip();
        this.decayAll = decayAll;
    }

    /**
     * Applies one update to {@code params} from their gradient, and clears the gradient. Returns
     * the global gradient L2 norm before clipping (NaN when it was not computed because clipping
     * is off).
     */
    public float step(FlatParameters params, AdamWState state, float lr) {
        NDArray w = params.array();
        NDArray grad = params.gradient();
        if (grad.size() != state.means.size()) {
            throw new IllegalArgumentException("expected " + state.means.size() + " parameters, got " + grad.size());
        }
        float norm = Float.NaN;
        float rescale = 1f;
        if (gradClip > 0f) {
            norm = grad.norm().getFloat();
            if (norm > gradClip) {
                rescale = gradClip / (norm + 1e-6f);
            }
        }
        state.step++;
        // StrictMath: identical bits whether this code runs interpreted or JIT-compiled
        double coef1 = 1.0 - StrictMath.pow(beta1, state.step);
        double coef2 = 1.0 - StrictMath.pow(beta2, state.step);
        float lrBiasCorrected = (float) (lr * Math.sqrt(coef2) / coef1);
        boolean masked = !decayAll && weightDecay > 0f;
        // the kernel's decay is one scalar for the whole buffer: masked decay goes first, as in the kernel
        float kernelDecay = masked ? 0f : weightDecay;
        try (NDArray data = w.stopGradient()) { // w's storage, outside autograd
            long n = data.size();
            for (long from = 0; from < n; from += CHUNK) {
                NDIndex slice = new NDIndex("{}:{}", from, Math.min(n, from + CHUNK));
                try (NDArray wc = data.get(slice); NDArray gc = grad.get(slice); NDArray mc = state.means.get(slice);
                        NDArray vc = state.variances.get(slice)) {
                    if (masked) {
                        try (NDArray mask = params.decayMask().get(slice); NDArray decay = wc.mul(mask)) {
                            wc.subi(decay.muli(lr * weightDecay));
                        }
                    }
                    JniUtils.adamUpdate((PtNDArray) wc, (PtNDArray) gc, (PtNDArray) mc, (PtNDArray) vc,
                            lr, lrBiasCorrected, kernelDecay, rescale, -1f, beta1, beta2, eps, true);
                }
            }
        }
        JniUtils.zeroGrad((PtNDArray) w); // PyTorch accumulates gradients otherwise
        return norm;
    }
}
