package diloco.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import diloco.model.ParamLayout;

/**
 * A worker's AdamW state: first and second moments (layout order) and the number of updates
 * taken (for bias correction). Owned by its manager; close the manager to free it.
 */
public final class AdamWState implements AutoCloseable {
    final NDList means;
    final NDList variances;
    long step;
    private final NDManager manager;

    private AdamWState(NDManager manager, NDList means, NDList variances, long step) {
        this.manager = manager;
        this.means = means;
        this.variances = variances;
        this.step = step;
    }

    /** Zero moments, step 0, in a new sub-manager of {@code parent}. */
    public static AdamWState fresh(ParamLayout layout, NDManager parent) {
        NDManager m = parent.newSubManager();
        NDList means = new NDList();
        NDList variances = new NDList();
        for (ParamLayout.Entry e : layout.entries()) {
            means.add(m.zeros(e.djlShape()));
            variances.add(m.zeros(e.djlShape()));
        }
        return new AdamWState(m, means, variances, 0);
    }

    /** A deep copy in a new sub-manager of {@code parent}. */
    public AdamWState copy(NDManager parent) {
        NDManager m = parent.newSubManager();
        return new AdamWState(m, copyAll(means, m), copyAll(variances, m), step);
    }

    private static NDList copyAll(NDList src, NDManager m) {
        NDList out = new NDList(src.size());
        for (NDArray a : src) {
            NDArray c = a.duplicate();
            c.attach(m);
            out.add(c);
        }
        return out;
    }

    public long step() {
        return step;
    }

    /** The moments as flat vectors in layout order: {means, variances}. */
    public float[][] toHost(ParamLayout layout) {
        return new float[][] {layout.flatten(means), layout.flatten(variances)};
    }

    /** A state with the given moments and step count, in a new sub-manager of {@code parent}. */
    public static AdamWState fromHost(ParamLayout layout, NDManager parent, float[] means, float[] variances, long step) {
        NDManager m = parent.newSubManager();
        return new AdamWState(m, layout.toArrays(means, m), layout.toArrays(variances, m), step);
    }

    /** Bytes the moments take on their device. */
    public long bytes() {
        long n = 0;
        for (NDArray a : means) {
            n += a.size() * 4L;
        }
        return 2 * n;
    }

    @Override
    public void close() {
        manager.close();
    }
}
