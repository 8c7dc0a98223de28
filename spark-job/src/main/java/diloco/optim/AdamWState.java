package diloco.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import diloco.model.HostArrays;
import diloco.model.ParamLayout;

/**
 * A worker's AdamW state: first and second moments, each one contiguous 1-D array in layout order
 * (like {@link diloco.model.FlatParameters}), and the number of updates taken (for bias
 * correction). Owned by its manager; close the manager to free it.
 */
public final class AdamWState implements AutoCloseable {
    final NDArray means;
    final NDArray variances;
    long step;
    private final NDManager manager;

    private AdamWState(NDManager manager, NDArray means, NDArray variances, long step) {
        this.manager = manager;
        this.means = means;
        this.variances = variances;
        this.step = step;
    }

    /** Zero moments, step 0, in a new sub-manager of {@code parent}. */
    public static AdamWState fresh(ParamLayout layout, NDManager parent) {
        NDManager m = parent.newSubManager();
        Shape shape = new Shape(layout.size());
        return new AdamWState(m, m.zeros(shape), m.zeros(shape), 0);
    }

    /** A deep copy in a new sub-manager of {@code parent}. */
    public AdamWState copy(NDManager parent) {
        NDManager m = parent.newSubManager();
        return new AdamWState(m, copyOf(means, m), copyOf(variances, m), step);
    }

    private static NDArray copyOf(NDArray a, NDManager m) {
        NDArray c = a.duplicate();
        c.attach(m);
        return c;
    }

    public long step() {
        return step;
    }

    /** The moments as flat vectors in layout order: {means, variances}. */
    public float[][] toHost(ParamLayout layout) {
        float[] m = means.toFloatArray();
        if (m.length != layout.size()) {
            throw new IllegalArgumentException("state has " + m.length + " values, layout needs " + layout.size());
        }
        return new float[][] {m, variances.toFloatArray()};
    }

    /** A state with the given moments and step count, in a new sub-manager of {@code parent}. */
    public static AdamWState fromHost(ParamLayout layout, NDManager parent, float[] means, float[] variances, long step) {
        if (means.length != layout.size() || variances.length != layout.size()) {
            throw new IllegalArgumentException("moments have " + means.length + " and " + variances.length
                    + " values, layout needs " + layout.size());
        }
        NDManager m = parent.newSubManager();
        Shape shape = new Shape(layout.size());
        return new AdamWState(m, HostArrays.of(m, means, shape), HostArrays.of(m, variances, shape), step);
    }

    /** Bytes the moments take on their device. */
    public long bytes() {
        return 2 * means.size() * 4L;
    }

    @Override
    public void close() {
        manager.close();
    }
}
