package diloco.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.config.TrainConfig;
import diloco.option.UserError;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

class ResourceCheckTest {
    private static final long GIB = 1L << 30;

    /**
     * Spark's treeAggregate merges partitions on executors while that reduces their number; the
     * count of partial results the driver then collects is observed here on a real RDD (each
     * partial carries the partition ids it merged) and compared with the formula.
     */
    @Test
    void partialsAtDriverMatchSparksTreeAggregate() {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(TestSupport.spark().sparkContext());
        for (int k : new int[] {1, 2, 4, 8, 16, 64}) {
            for (int depth : new int[] {1, 2, 3}) {
                List<Integer> ids = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    ids.add(i);
                }
                JavaRDD<Integer> rdd = sc.parallelize(ids, k);
                // combOp on the driver sees each collected partial once: count them there
                int[] driverMerges = {0};
                List<Integer> result = rdd.treeAggregate(new ArrayList<Integer>(), (acc, x) -> {
                    acc.add(x);
                    return acc;
                }, (a, b) -> {
                    if (org.apache.spark.TaskContext.get() == null) {
                        driverMerges[0]++;
                    }
                    a.addAll(b);
                    return a;
                }, depth);
                assertEquals(k, result.size());
                // the driver folds n partials into the zero value: n merges
                assertEquals(driverMerges[0], ResourceCheck.resultsAtDriver(k, depth), "k=" + k + " depth=" + depth);
            }
        }
    }

    @Test
    void tooLargeForMaxResultSizeFailsWithAdvice() {
        // 100M parameters = 400 MB per Δ; 8 workers at depth 1 send 3.2 GB to the driver
        UserError e = assertThrows(UserError.class,
                () -> ResourceCheck.check(100_000_000, 8, 1, false, GIB, 64 * GIB, 64 * GIB, false));
        assertTrue(e.getMessage().contains("spark.driver.maxResultSize"), e.getMessage());
        // depth 2 merges on executors first: 2 partials, 800 MB, fits
        assertDoesNotThrow(() -> ResourceCheck.check(100_000_000, 8, 2, false, GIB, 64 * GIB, 64 * GIB, false));
    }

    @Test
    void heapsAreChecked() {
        UserError driver = assertThrows(UserError.class,
                () -> ResourceCheck.check(100_000_000, 8, 2, false, 0, 2 * GIB, 64 * GIB, false));
        assertTrue(driver.getMessage().contains("--driver-memory"), driver.getMessage());
        UserError executor = assertThrows(UserError.class,
                () -> ResourceCheck.check(100_000_000, 8, 2, false, 0, 64 * GIB, GIB, false));
        assertTrue(executor.getMessage().contains("spark.executor.memory"), executor.getMessage());
        assertDoesNotThrow(() -> ResourceCheck.check(1_000_000, 8, 2, false, GIB, GIB, GIB, false));
    }

    @Test
    void finalCombineOnExecutorIsChosenForLargePartialsOnly() {
        // auto: an executor when more than one partial of at least 64 MiB would reach the driver
        assertTrue(ResourceCheck.finalCombineOnExecutor(FinalCombine.AUTO, 16 << 20, 2, 2), "2 × 64 MiB");
        assertFalse(ResourceCheck.finalCombineOnExecutor(FinalCombine.AUTO, (16 << 20) - 1, 8, 2), "under 64 MiB");
        assertFalse(ResourceCheck.finalCombineOnExecutor(FinalCombine.AUTO, 100_000_000, 1, 2), "one worker: one partial");
        assertTrue(ResourceCheck.finalCombineOnExecutor(FinalCombine.EXECUTOR, 1000, 2, 2));
        assertFalse(ResourceCheck.finalCombineOnExecutor(FinalCombine.DRIVER, 100_000_000, 8, 2));
    }

    @Test
    void finalCombineOnExecutorSendsOneOuterGradientToTheDriver() {
        // 100M parameters, 8 workers at depth 1: 8 × 400 MB over 1 GiB; combined on an executor: 400 MB
        assertThrows(UserError.class, () -> ResourceCheck.check(100_000_000, 8, 1, false, GIB, 64 * GIB, 64 * GIB, false));
        assertDoesNotThrow(() -> ResourceCheck.check(100_000_000, 8, 1, true, GIB, 64 * GIB, 64 * GIB, false));
        // the 400m preset with the byte vocabulary (341,947,392 parameters): one Δ is 1.37 GB, over the default
        // maxResultSize even alone; the advice is to raise it, not to combine elsewhere
        UserError e = assertThrows(UserError.class,
                () -> ResourceCheck.check(341_947_392, 8, 2, true, GIB, 64 * GIB, 64 * GIB, false));
        assertTrue(e.getMessage().contains("spark.driver.maxResultSize=3g"), e.getMessage());
        assertFalse(e.getMessage().contains("--final-combine"), e.getMessage());
        assertDoesNotThrow(() -> ResourceCheck.check(341_947_392, 8, 2, true, 4 * GIB, 64 * GIB, 64 * GIB, false));
    }
}
