package diloco.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.codec.EncodedDelta;
import diloco.codec.OuterGradDtype;
import diloco.exchange.WorkerReport;
import diloco.exchange.WorkerUpdate;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The outer-gradient sum is the same to the bit whatever order treeAggregate's partial results
 * arrive in: simulated here exactly as Spark merges them (each partial merged into a fresh zero
 * value and serialized before it travels, the receiving side merging in arrival order), for every
 * arrival order tried, against a sum written out by hand in the canonical order.
 */
class DeltaSumTest {
    static final int N = 4096;

    /** k workers' Δs whose values span many magnitudes, so that the order of additions shows in the last bits. */
    static float[][] deltas(int k, long seed) {
        Random r = new Random(seed);
        float[][] d = new float[k][N];
        for (int w = 0; w < k; w++) {
            for (int i = 0; i < N; i++) {
                d[w][i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
            }
        }
        return d;
    }

    static WorkerUpdate update(int worker, float[] delta) {
        return new WorkerUpdate(EncodedDelta.encode(delta, OuterGradDtype.FP32, false, null),
                WorkerReport.failed(worker, 1, "test", "none")); // the report's content does not matter here
    }

    /** A partial as it travels: serialized and read back (Spark's Java serializer does the same). */
    static DeltaSum travel(DeltaSum s) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (DeltaSum) in.readObject();
        }
    }

    /** The first tree level: each worker's task folds its one update into a zero value. */
    static DeltaSum task(int worker, float[][] d) {
        return new DeltaSum().add(update(worker, d[worker]));
    }

    /**
     * One reduce of treeAggregate's tree: the group's map outputs (each merged into a fresh zero
     * first, as foldByKey's combiner does) merged in {@code arrival} order; complete when it is merged
     * into the next zero value.
     */
    static DeltaSum reduce(List<DeltaSum> arrival) throws Exception {
        DeltaSum acc = null;
        for (DeltaSum part : arrival) {
            DeltaSum combiner = travel(new DeltaSum().merge(part));
            acc = acc == null ? combiner : acc.merge(combiner);
        }
        return travel(new DeltaSum().merge(acc));
    }

    /** Depth 2, 8 partitions: Spark groups i mod 2, then the driver folds the 2 partials as they arrive. */
    static float[] eightWorkersDepthTwo(float[][] d, Random order) throws Exception {
        List<DeltaSum> partials = new ArrayList<>();
        for (int g = 0; g < 2; g++) {
            List<DeltaSum> group = new ArrayList<>();
            for (int w = g; w < 8; w += 2) {
                group.add(travel(task(w, d)));
            }
            Collections.shuffle(group, order);
            partials.add(reduce(group));
        }
        Collections.shuffle(partials, order);
        return driverFold(partials);
    }

    /** Spark's fold on the driver: a zero, then each task's result as it arrives. */
    static float[] driverFold(List<DeltaSum> arrival) throws Exception {
        DeltaSum job = new DeltaSum();
        for (DeltaSum r : arrival) {
            job = job.merge(travel(new DeltaSum().merge(r)));
        }
        return job.total();
    }

    @Test
    void fourWorkersAtTheDriverSumInWorkerOrderWhateverTheArrival() throws Exception {
        float[][] d = deltas(4, 7);
        float[] expected = new float[N];
        for (int i = 0; i < N; i++) {
            expected[i] = ((d[0][i] + d[1][i]) + d[2][i]) + d[3][i]; // 0 + Δ₀ = Δ₀ exactly
        }
        Random order = new Random(1);
        Set<String> naive = new HashSet<>();
        for (int trial = 0; trial < 24; trial++) {
            List<Integer> workers = new ArrayList<>(List.of(0, 1, 2, 3));
            Collections.shuffle(workers, order);
            List<DeltaSum> arrival = new ArrayList<>();
            float[] arrivalOrderSum = new float[N];
            for (int w : workers) {
                arrival.add(travel(task(w, d)));
                for (int i = 0; i < N; i++) {
                    arrivalOrderSum[i] += d[w][i];
                }
            }
            assertArrayEquals(expected, driverFold(arrival), 0f, "arrival order " + workers);
            naive.add(Arrays.toString(arrivalOrderSum));
        }
        assertTrue(naive.size() > 1, "summing in arrival order does differ between orders: the test has teeth");
    }

    @Test
    void eightWorkersThroughATreeLevelSumInAFixedOrder() throws Exception {
        float[][] d = deltas(8, 11);
        float[] expected = new float[N];
        for (int i = 0; i < N; i++) {
            float even = ((d[0][i] + d[2][i]) + d[4][i]) + d[6][i];
            float odd = ((d[1][i] + d[3][i]) + d[5][i]) + d[7][i];
            expected[i] = even + odd;
        }
        Random order = new Random(2);
        for (int trial = 0; trial < 30; trial++) {
            assertArrayEquals(expected, eightWorkersDepthTwo(d, order), 0f, "trial " + trial);
        }
    }

    /**
     * What travels: one worker's Δ as it left the worker (not a partial), a complete partial as one
     * fp32 sum (4 bytes a value, counted in the bytes of partials once per trip), and encoded Δs
     * decoded into the sum.
     */
    @Test
    void aLoneDeltaTravelsEncodedAndPartialSumsAreCounted() throws Exception {
        float[][] d = deltas(3, 3);
        DeltaSum one = travel(new DeltaSum().merge(task(2, d)));
        assertEquals(0, one.partialBytes, "one worker's Δ travels as it left the worker, not as a sum");
        assertArrayEquals(d[2], one.total(), 0f);

        DeltaSum two = new DeltaSum().merge(task(0, d).merge(task(1, d)));
        DeltaSum sent = travel(two);
        assertEquals(4L * N, sent.partialBytes, "a complete partial travels as one fp32 sum");
        assertEquals(0, two.partialBytes, "the sender's own count is unchanged");
        assertEquals(4L * N * 2, travel(new DeltaSum().merge(sent)).partialBytes, "counted again on its next trip");
        assertEquals(2, sent.count);
        assertEquals(2, sent.reports.size());

        DeltaSum nothing = new DeltaSum().add(new WorkerUpdate(null, WorkerReport.failed(0, 1, "dropped", "none")));
        assertNull(travel(nothing).total(), "no Δ arrived");
        assertEquals(1, nothing.reports.size());
    }

    /** int8 Δs are decoded into the fp32 sum: four equal Δs sum to four times the decoded values. */
    @Test
    void encodedDeltasAreDecodedIntoTheSum() throws Exception {
        float[] d = deltas(1, 5)[0];
        List<DeltaSum> arrival = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            arrival.add(travel(new DeltaSum().add(new WorkerUpdate(EncodedDelta.encode(d, OuterGradDtype.INT8, false, null),
                    WorkerReport.failed(w, 1, "test", "none")))));
        }
        float[] decoded = EncodedDelta.encode(d, OuterGradDtype.INT8, false, null).decode();
        float[] total = driverFold(arrival);
        for (int i = 0; i < N; i++) {
            assertEquals(((decoded[i] + decoded[i]) + decoded[i]) + decoded[i], total[i], 0f, "value " + i);
        }
    }
}
