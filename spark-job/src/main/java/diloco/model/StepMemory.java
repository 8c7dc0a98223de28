package diloco.model;

import java.util.Locale;

/**
 * The native memory (libtorch's, outside the JVM heap) one worker needs to train {@link Gpt}, from
 * its shape alone, so a run can be refused before its first round instead of having its executors
 * killed for exceeding their memory. Counted in fp32 floats, as the worker computes:
 *
 * <ul>
 *   <li>{@code parameterState}: θ, its gradient and AdamW's two moments, 4 × parameters, held
 *       between steps;</li>
 *   <li>{@code activations}: every array the forward pass makes. DJL frees a step's arrays when the
 *       step ends (their manager closes), so all of them live through the backward, not only those
 *       autograd saves (eager PyTorch frees the rest as it goes). Per layer: 23 arrays of B×T×d
 *       (layer norms, q/k/v, the scaled q and the copies matmul makes, the attention output and its copy,
 *       projections, residual sums, the MLP's 4d hidden layer before and after GELU) and 3 of
 *       B×heads×T×T (scores, masked, softmax); before and after the layers 3 of B×T×d, and
 *       2 of B×T×vocab (logits, log-softmax);</li>
 *   <li>{@code backward}: the gradients autograd holds at once at its peak, the largest of an
 *       attention layer's (3 of B×heads×T×T) and the head's (2 of B×T×vocab).</li>
 * </ul>
 *
 * docs/benchmarks.md compares it with the measured peak of both engines at three sizes
 * ({@code diloco.bench.MemoryBench}).
 *
 * @param parameterState bytes held between steps for θ, its gradient and AdamW's moments
 * @param activations    bytes of the forward pass's arrays, alive until the step ends
 * @param backward       bytes of gradients the backward pass holds at its peak
 */
public record StepMemory(long parameterState, long activations, long backward) {
    static final int BTD_PER_LAYER = 23;
    static final int SCORES_PER_LAYER = 3;
    static final int BTD_OUTSIDE_LAYERS = 3;
    static final int LOGITS_FORWARD = 2;
    static final int SCORES_BACKWARD = 3;
    static final int LOGITS_BACKWARD = 2;

    /** The estimate for {@code batch} sequences of the model's full context. */
    public static StepMemory of(ModelConfig m, int batch, long parameters) {
        double btd = (double) batch * m.context() * m.dModel();
        double scores = (double) batch * m.heads() * m.context() * m.context();
        double logits = (double) batch * m.context() * m.vocabSize();
        double forward = m.layers() * (BTD_PER_LAYER * btd + SCORES_PER_LAYER * scores) + BTD_OUTSIDE_LAYERS * btd
                + LOGITS_FORWARD * logits;
        double backward = Math.max(SCORES_BACKWARD * scores, LOGITS_BACKWARD * logits);
        return new StepMemory(4L * 4 * parameters, (long) (4 * forward), (long) (4 * backward));
    }

    /** What a step needs above the state held between steps. */
    public long step() {
        return activations + backward;
    }

    public long total() {
        return parameterState + step();
    }

    /** e.g. "5.3 GiB (θ and AdamW 0.4 GiB, activations 4.2 GiB, backward 0.8 GiB)". */
    public String describe() {
        return String.format(Locale.ROOT, "%s (θ, gradient and AdamW moments %s, activations %s, backward %s)",
                size(total()), size(parameterState), size(activations), size(backward));
    }

    /** Bytes in the largest unit that keeps a digit before the point: "1.5 GiB", "310 MiB". */
    public static String size(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%d MiB", Math.round(bytes / (double) (1L << 20)));
    }
}
