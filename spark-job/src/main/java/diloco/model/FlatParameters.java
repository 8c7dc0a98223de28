package diloco.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A worker's trainable parameters as one contiguous 1-D array in {@link ParamLayout} order, seen
 * by the model as per-tensor views.
 *
 * <p>Why: small models are bound by the number of engine calls, not by arithmetic. Each step
 * splits the buffer once ({@link #views}: one call, plus a reshape per tensor); the split's
 * backward pass is a single concatenation, so the gradient arrives as one contiguous array and
 * clipping, weight decay, AdamW and zeroing are a few whole-buffer operations instead of several
 * per tensor. θᵢ leaves the worker with one copy ({@link #toHost}).
 */
public final class FlatParameters {
    private final ParamLayout layout;
    private final NDManager manager;
    private final NDArray flat;
    private final long[] splitPoints;
    private NDArray decayMask;

    private FlatParameters(ParamLayout layout, NDManager manager, NDArray flat) {
        this.layout = layout;
        this.manager = manager;
        this.flat = flat;
        this.splitPoints = new long[layout.entries().size() - 1];
        for (int i = 1; i < layout.entries().size(); i++) {
            splitPoints[i - 1] = layout.entries().get(i).offset;
        }
        flat.setRequiresGradient(true);
    }

    /** θ copied onto {@code manager} (in PyTorch's own memory), ready to train. */
    public static FlatParameters of(ParamLayout layout, float[] theta, NDManager manager) {
        if (theta.length != layout.size()) {
            throw new IllegalArgumentException("θ has " + theta.length + " values, layout needs " + layout.size());
        }
        return new FlatParameters(layout, manager, HostArrays.of(manager, theta, new Shape(theta.length)));
    }

    public ParamLayout layout() {
        return layout;
    }

    /**
     * The parameters as tensors in layout order, views of the buffer; call inside the gradient
     * collector so their gradients reach it. They belong to the buffer's current manager (attach
     * the buffer to a step's manager to free them with the step).
     */
    public NDList views() {
        NDList parts = splitPoints.length == 0 ? new NDList(flat.reshape(flat.getShape())) : flat.split(splitPoints, 0);
        NDList views = new NDList(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            views.add(parts.get(i).reshape(layout.entries().get(i).djlShape()));
        }
        return views;
    }

    /** The buffer itself (requires gradient). */
    public NDArray array() {
        return flat;
    }

    /** Its gradient, one contiguous array (after a backward pass). */
    public NDArray gradient() {
        return flat.getGradient();
    }

    /**
     * 1 where AdamW weight decay applies (matrices and embeddings), 0 elsewhere, on the buffer's
     * device and manager; made once.
     */
    public NDArray decayMask() {
        if (decayMask == null) {
            float[] mask = new float[layout.size()];
            for (ParamLayout.Entry e : layout.entries()) {
                if (e.decay) {
                    java.util.Arrays.fill(mask, e.offset, e.offset + e.size, 1f);
                }
            }
            decayMask = HostArrays.of(manager, mask, new Shape(mask.length));
        }
        return decayMask;
    }

    /** The current parameters, copied to the JVM. */
    public float[] toHost() {
        return flat.toFloatArray();
    }
}
