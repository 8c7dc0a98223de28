package diloco.inner;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import diloco.data.BatchSource;
import diloco.data.Hashing;
import diloco.engine.Precision;
import diloco.inner.StepHooks.Phase;
import diloco.model.FlatParameters;
import diloco.model.Gpt;
import diloco.model.HostArrays;
import diloco.model.ModelConfig;
import diloco.optim.AdamW;
import diloco.optim.AdamWState;

/**
 * A worker's inner steps, Spark-free: the PyTorch training loop over flat parameters and an AdamW
 * state the caller owns, batches from a {@link BatchSource}. Step s is global inner step s: its
 * batch, learning rate and dropout seed depend on it alone, so any cut of the steps into rounds
 * trains the same. The Spark worker task and the benchmarks both run their steps here;
 * cancellation, fault injection and timing attach as {@link StepHooks}.
 *
 * <pre>
 *   for step in first .. first + count − 1 (or until a hook's deadline):
 *       x, y ← batches(step)
 *       loss ← model(θ, x, y)  (in --precision);  loss.backward()
 *       θ, state ← AdamW(θ, ∇, state, lr(step))
 * </pre>
 */
public final class InnerTrainer {
    private final Gpt model;
    private final InnerSettings settings;
    private final AdamW adamw;
    private final Shape batchShape;

    public InnerTrainer(ModelConfig model, InnerSettings settings) {
        this.model = new Gpt(model);
        this.settings = settings;
        this.adamw = new AdamW(settings.adamw(), false);
        this.batchShape = new Shape(settings.batchSize(), model.context());
    }

    /**
     * Takes global inner steps {@code first} .. {@code first + count − 1} on {@code params} in place,
     * continuing {@code state}, or fewer when a hook ends them early (a deadline; never before the
     * first). Every array a step makes is freed with the step.
     */
    public InnerResult train(FlatParameters params, AdamWState state, BatchSource batches, long first, int count,
            StepHooks hooks) {
        Engine engine = params.array().getManager().getEngine();
        long[] x = new long[Math.toIntExact(batchShape.size())];
        long[] y = new long[x.length];
        double lossSum = 0;
        float lr = Float.NaN;
        int taken = 0;
        for (long step = first; step < first + count; step++) {
            if (taken > 0 && hooks.stopBefore(taken)) {
                break;
            }
            hooks.beforeStep(step);
            batches.fill(step, x, y);
            hooks.after(Phase.SAMPLE);
            if (model.config().dropout() > 0f) {
                engine.setRandomSeed((int) Hashing.mix(settings.seed(), batches.worker(), step));
            }
            lr = settings.lr().at(step);
            lossSum += step(params, state, x, y, lr, engine, hooks);
            taken++;
        }
        return new InnerResult(taken, lossSum, lr);
    }

    /** One step: forward and loss, backward, AdamW; returns the loss. */
    private float step(FlatParameters params, AdamWState state, long[] x, long[] y, float lr, Engine engine,
            StepHooks hooks) {
        float loss;
        try (NDManager step = params.array().getManager().newSubManager()) {
            step.tempAttachAll(params.array()); // the step's views and temporaries go with the step
            NDArray xs = HostArrays.of(step, x, batchShape);
            NDArray ys = HostArrays.of(step, y, batchShape);
            hooks.after(Phase.UPLOAD);
            try (GradientCollector gc = engine.newGradientCollector()) {
                NDArray l;
                try (Precision.Region bf16 = settings.precision().forward(params.array().getDevice())) {
                    l = model.loss(params.views(), xs, ys, true);
                }
                hooks.after(Phase.FORWARD);
                gc.backward(l);
                loss = l.getFloat();
                hooks.after(Phase.BACKWARD);
            }
            adamw.step(params, state, lr);
            hooks.after(Phase.OPTIMIZER);
        }
        hooks.after(Phase.RELEASE);
        return loss;
    }
}
