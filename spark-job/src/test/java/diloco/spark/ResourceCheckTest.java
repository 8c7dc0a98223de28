package diloco.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.config.UserError;

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
                () -> ResourceCheck.check(100_000_000, 8, 1, GIB, 64 * GIB, 64 * GIB, false));
        assertTrue(e.getMessage().contains("spark.driver.maxResultSize"), e.getMessage());
        // depth 2 merges on executors first: 2 partials, 800 MB, fits
        assertDoesNotThrow(() -> ResourceCheck.check(100_000_000, 8, 2, GIB, 64 * GIB, 64 * GIB, false));
    }

    @Test
    void heapsAreChecked() {
        UserError driver = assertThrows(UserError.class,
                () -> ResourceCheck.check(100_000_000, 8, 2, 0, 2 * GIB, 64 * GIB, false));
        assertTrue(driver.getMessage().contains("--driver-memory"), driver.getMessage());
        UserError executor = assertThrows(UserError.class,
                () -> ResourceCheck.check(100_000_000, 8, 2, 0, 64 * GIB, GIB, false));
        assertTrue(executor.getMessage().contains("spark.executor.memory"), executor.getMessage());
        assertDoesNotThrow(() -> ResourceCheck.check(1_000_000, 8, 2, GIB, GIB, GIB, false));
    }
}
