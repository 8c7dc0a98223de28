package diloco.spark;

import diloco.codec.EncodedDelta;
import diloco.exchange.WorkerReport;
import diloco.exchange.WorkerUpdate;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The treeAggregate accumulator: Σ Δᵢ, the count, and the workers' reports. It starts empty (no
 * array): the zero value travels inside every task, so it must cost nothing. A worker's Δᵢ stays
 * as it left the worker ({@code --outer-grad-dtype}) until it is summed, so what leaves a worker's
 * task is exactly its encoded Δᵢ.
 *
 * <p><b>The sum does not depend on task timing.</b> Floating-point addition is not associative, and
 * treeAggregate merges partial results in the order their tasks finish (the driver folds them as
 * they arrive). So nothing is added on a merge: the accumulator keeps its parts, each keyed by the
 * lowest worker it covers, and sums them in ascending worker order only when a partial is complete.
 * A partial is complete where treeAggregate merges it into a fresh zero value, which it does to
 * every partial before it travels further (foldByKey's map-side combiner, fold's per-partition
 * fold), and when the driver asks for the {@link #total}. Which workers a partial holds is fixed by
 * the partition indices (treeAggregate groups partition i with i mod n), so every sum, and θ, is
 * the same bit for bit whatever order the tasks finish in. No more bytes travel than an
 * arrival-order sum sends: a complete partial is one fp32 sum (one worker's Δ alone stays encoded).
 * The driver holds the partials it receives until the last arrives (counted by {@link ResourceCheck}).
 */
public final class DeltaSum implements Serializable {
    private static final long serialVersionUID = 3L;

    /** Not yet summed, by the lowest worker each covers: a worker's encoded Δ, or an fp32 sum of several. */
    private final TreeMap<Integer, Object> parts = new TreeMap<>();
    /** Each received worker's weight, by worker: summed in worker order for {@link #weight}. */
    private final TreeMap<Integer, Float> weights = new TreeMap<>();
    int count;
    final List<WorkerReport> reports = new ArrayList<>();
    /** Bytes of the workers' encoded Δs, as they left their tasks. */
    long bytesUp;
    /** Bytes of partial results serialized to travel further up the tree (counted as they are written). */
    long partialBytes;

    public DeltaSum add(WorkerUpdate u) {
        reports.add(u.report());
        if (u.delta() != null) { // null: a lost outer gradient, reported, not averaged
            bytesUp += u.delta().bytes();
            count++;
            parts.put(u.report().worker(), u.delta());
            weights.put(u.report().worker(), u.report().training().weight());
        }
        return this;
    }

    /**
     * Merges {@code other} into this; a fresh accumulator (treeAggregate's zero value) takes
     * {@code other} as a complete partial and sums its parts.
     */
    public DeltaSum merge(DeltaSum other) {
        boolean fresh = parts.isEmpty() && reports.isEmpty();
        parts.putAll(other.parts);
        weights.putAll(other.weights);
        count += other.count;
        bytesUp += other.bytesUp;
        partialBytes += other.partialBytes;
        reports.addAll(other.reports);
        if (fresh) {
            collapse();
        }
        return this;
    }

    /** Sums the parts, in ascending order of their lowest worker, into one (a lone part stays as it is). */
    private void collapse() {
        if (parts.size() < 2) {
            return;
        }
        float[] sum = new float[length(parts.firstEntry().getValue())];
        for (Object part : parts.values()) {
            if (part instanceof EncodedDelta d) {
                d.addTo(sum);
            } else {
                addInto(sum, (float[]) part);
            }
        }
        int first = parts.firstKey();
        parts.clear();
        parts.put(first, sum);
    }

    private static int length(Object part) {
        return part instanceof EncodedDelta d ? d.length() : ((float[]) part).length;
    }

    /** Σ of the received Δs' weights (each 1 for the mean), in worker order: independent of task timing. */
    public float weight() {
        float sum = 0;
        for (float w : weights.values()) {
            sum += w;
        }
        return sum;
    }

    /** Σ Δᵢ in fp32, or null when no Δ arrived. */
    public float[] total() {
        if (parts.isEmpty()) {
            return null;
        }
        Map.Entry<Integer, Object> only = parts.firstEntry();
        if (parts.size() == 1 && only.getValue() instanceof EncodedDelta d) { // one worker's Δ: decode it
            float[] sum = new float[d.length()];
            d.addTo(sum);
            return sum;
        }
        collapse();
        return (float[]) parts.firstEntry().getValue();
    }

    private static void addInto(float[] acc, float[] x) {
        if (acc.length != x.length) {
            throw new IllegalStateException("outer gradients of different sizes: " + acc.length + " vs " + x.length);
        }
        for (int i = 0; i < acc.length; i++) {
            acc[i] += x[i];
        }
    }

    /**
     * A partial result is about to travel up the tree: count what it carries (a sum is 4 bytes a
     * value; one worker's Δ alone is no partial, it was counted in {@link #bytesUp}).
     */
    private void writeObject(ObjectOutputStream out) throws IOException {
        long carried = 0;
        if (parts.size() > 1 || parts.values().stream().anyMatch(p -> p instanceof float[])) {
            for (Object p : parts.values()) {
                carried += p instanceof EncodedDelta d ? d.bytes() : 4L * ((float[]) p).length;
            }
        }
        partialBytes += carried;
        out.defaultWriteObject();
        partialBytes -= carried; // the sender's own copy is unchanged
    }
}
