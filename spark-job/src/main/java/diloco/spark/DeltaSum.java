package diloco.spark;

import diloco.codec.EncodedDelta;
import diloco.worker.WorkerReport;
import diloco.worker.WorkerUpdate;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The treeAggregate accumulator: Σ Δᵢ, the count, and the workers' reports. It starts empty (no
 * array): the zero value travels inside every task, so it must cost nothing. A worker's Δᵢ stays
 * as it left the worker ({@code --outer-grad-dtype}) until it meets another, where both are
 * decoded into an fp32 sum; so what leaves a worker's task is exactly its encoded Δᵢ.
 */
public final class DeltaSum implements Serializable {
    private static final long serialVersionUID = 2L;

    /** A worker's Δ not yet summed (at most one: two meeting are summed). */
    private EncodedDelta pending;
    /** The fp32 sum of the Δs merged so far; null while there is none. */
    private float[] sum;
    int count;
    final List<WorkerReport> reports = new ArrayList<>();
    /** Bytes of the workers' encoded Δs, as they left their tasks. */
    long bytesUp;
    /** fp32 partial sums serialized to travel further up the tree (counted as they are written). */
    int partialsSent;

    public DeltaSum add(WorkerUpdate u) {
        reports.add(u.report());
        if (u.delta() != null) { // null: a lost outer gradient, reported, not averaged
            bytesUp += u.delta().bytes();
            count++;
            take(u.delta());
        }
        return this;
    }

    public DeltaSum merge(DeltaSum other) {
        if (other.pending != null) {
            take(other.pending);
        }
        if (other.sum != null) {
            if (sum == null && pending == null) {
                sum = other.sum;
            } else {
                addInto(sumWithPending(), other.sum);
            }
        }
        count += other.count;
        bytesUp += other.bytesUp;
        partialsSent += other.partialsSent;
        reports.addAll(other.reports);
        return this;
    }

    private void take(EncodedDelta d) {
        if (sum == null && pending == null) {
            pending = d; // alone so far: keep it as it travels
        } else {
            d.addTo(sumWithPending());
        }
    }

    /** The fp32 sum, with a pending Δ decoded into it. */
    private float[] sumWithPending() {
        if (pending != null) {
            float[] s = sum != null ? sum : new float[pending.length()];
            pending.addTo(s);
            sum = s;
            pending = null;
        }
        return sum;
    }

    /** Σ Δᵢ in fp32, or null when no Δ arrived. */
    public float[] total() {
        return sum == null && pending == null ? null : sumWithPending();
    }

    private static void addInto(float[] acc, float[] x) {
        if (acc.length != x.length) {
            throw new IllegalStateException("outer gradients of different sizes: " + acc.length + " vs " + x.length);
        }
        for (int i = 0; i < acc.length; i++) {
            acc[i] += x[i];
        }
    }

    /** A partial holding an fp32 sum is about to travel up the tree: count it in what it carries. */
    private void writeObject(ObjectOutputStream out) throws IOException {
        if (sum != null) {
            partialsSent++;
        }
        out.defaultWriteObject();
        if (sum != null) {
            partialsSent--; // the sender's own copy is unchanged
        }
    }
}
