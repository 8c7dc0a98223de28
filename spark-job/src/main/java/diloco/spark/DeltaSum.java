package diloco.spark;

import diloco.worker.WorkerReport;
import diloco.worker.WorkerUpdate;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The treeAggregate accumulator: Σ Δᵢ, the count, and the workers' reports. It starts empty (no
 * array): the zero value travels inside every task, so it must cost nothing.
 */
public final class DeltaSum implements Serializable {
    private static final long serialVersionUID = 1L;

    float[] sum;
    int count;
    final List<WorkerReport> reports = new ArrayList<>();

    public DeltaSum add(WorkerUpdate u) {
        reports.add(u.report());
        if (u.delta() == null) {
            return this; // lost outer gradient: reported, not averaged
        }
        if (sum == null) {
            sum = u.delta(); // the update is not used after this, so no copy
        } else {
            addInto(sum, u.delta());
        }
        count++;
        return this;
    }

    public DeltaSum merge(DeltaSum other) {
        if (other.sum != null) {
            if (sum == null) {
                sum = other.sum;
            } else {
                addInto(sum, other.sum);
            }
        }
        count += other.count;
        reports.addAll(other.reports);
        return this;
    }

    private static void addInto(float[] acc, float[] x) {
        if (acc.length != x.length) {
            throw new IllegalStateException("outer gradients of different sizes: " + acc.length + " vs " + x.length);
        }
        for (int i = 0; i < acc.length; i++) {
            acc[i] += x[i];
        }
    }
}
