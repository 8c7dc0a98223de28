package diloco.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.config.TrainConfig;
import diloco.model.ModelConfig;
import diloco.model.StepMemory;
import diloco.option.UserError;

import org.apache.spark.SparkConf;
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

    private static SparkConf yarn(String... settings) {
        SparkConf conf = new SparkConf(false);
        for (int i = 0; i < settings.length; i += 2) {
            conf.set(settings[i], settings[i + 1]);
        }
        return conf;
    }

    @Test
    void fewerTaskSlotsThanWorkersIsAWarningOrWithStrictResourcesARefusal() {
        // submit.sh's old defaults: 2 executors of 4 cores, spark.task.cpus 4 (one worker per executor), 8 workers
        SparkConf conf = yarn("spark.executor.instances", "2", "spark.executor.cores", "4", "spark.task.cpus", "4");
        List<String> lines = new ArrayList<>();
        ResourceCheck.checkCluster(conf, 8, false, lines::add);
        assertEquals(1, lines.size(), lines.toString());
        assertEquals("warning: 8 workers but 2 task slot(s) (2 executor(s) × 1: spark.executor.cores 4 / spark.task.cpus 4), "
                + "so every round runs its workers in 4 waves, each worker waiting for the one before: ask for 8 executors "
                + "(--num-executors 8; NUM_EXECUTORS=8 with submit.sh), or --workers 2; with waves, also set "
                + "spark.locality.wait.process=10min (now 3000 ms): otherwise a worker queued behind a busy executor "
                + "restarts elsewhere with fresh AdamW moments", lines.get(0));
        // a long enough placement wait: the warning only asks for slots
        List<String> held = new ArrayList<>();
        ResourceCheck.checkCluster(yarn("spark.executor.instances", "2", "spark.executor.cores", "4", "spark.task.cpus", "4",
                "spark.locality.wait.process", "10min"), 8, false, held::add);
        assertTrue(held.get(0).endsWith("or --workers 2"), held.toString());
        UserError strict = assertThrows(UserError.class, () -> ResourceCheck.checkCluster(conf, 8, true, lines::add));
        assertTrue(strict.getMessage().endsWith("(--strict-resources)"), strict.getMessage());
        assertEquals(1, lines.size(), "a refusal writes no warning");
        // enough slots: nothing said; two task slots per executor (8 cores, 4 per task) are counted as two
        ResourceCheck.checkCluster(yarn("spark.executor.instances", "8", "spark.executor.cores", "4",
                "spark.task.cpus", "4"), 8, true, lines::add);
        ResourceCheck.checkCluster(yarn("spark.executor.instances", "4", "spark.executor.cores", "8",
                "spark.task.cpus", "4"), 8, true, lines::add);
        assertEquals(1, lines.size(), lines.toString());
        // YARN's and Kubernetes' default: 2 executors, 1 core each
        ResourceCheck.checkCluster(yarn(), 3, false, lines::add);
        assertTrue(lines.get(1).startsWith("warning: 3 workers but 2 task slot(s) (2 executor(s) × 1"), lines.get(1));
    }

    @Test
    void gpusLimitTheSlotsOfAnExecutor() {
        // 4 cores and 1 GPU per executor, 1 core and 1 GPU per task: one task at a time
        SparkConf conf = yarn("spark.executor.instances", "4", "spark.executor.cores", "4", "spark.task.cpus", "1",
                "spark.executor.resource.gpu.amount", "1", "spark.task.resource.gpu.amount", "1");
        assertEquals(1, ResourceCheck.slotsPerExecutor(conf));
        List<String> lines = new ArrayList<>();
        ResourceCheck.checkCluster(conf, 8, false, lines::add);
        assertTrue(lines.get(0).contains("8 workers but 4 task slot(s)") && lines.get(0).contains(", and GPUs"), lines.get(0));
        conf.set("spark.task.resource.gpu.amount", "0.5");
        assertEquals(2, ResourceCheck.slotsPerExecutor(conf));
    }

    @Test
    void dynamicAllocationIsRefusedUnlessPinned() {
        UserError e = assertThrows(UserError.class, () -> ResourceCheck.checkCluster(
                yarn("spark.dynamicAllocation.enabled", "true", "spark.dynamicAllocation.maxExecutors", "20"), 8, false,
                line -> { }));
        assertTrue(e.getMessage().startsWith("dynamic allocation is on (spark.dynamicAllocation.enabled=true, min 0, max 20 "
                + "executors)"), e.getMessage());
        assertTrue(e.getMessage().contains("--conf spark.dynamicAllocation.enabled=false --num-executors 8")
                && e.getMessage().contains("--conf spark.dynamicAllocation.minExecutors=8 --conf "
                        + "spark.dynamicAllocation.maxExecutors=8"), e.getMessage());
        // pinned: its count of executors is the slots' (and spark.executor.instances does not matter)
        List<String> lines = new ArrayList<>();
        ResourceCheck.checkCluster(yarn("spark.dynamicAllocation.enabled", "true", "spark.dynamicAllocation.minExecutors", "8",
                "spark.dynamicAllocation.maxExecutors", "8", "spark.executor.instances", "1"), 8, true, lines::add);
        ResourceCheck.checkCluster(yarn("spark.dynamicAllocation.enabled", "true", "spark.dynamicAllocation.minExecutors", "4",
                "spark.dynamicAllocation.maxExecutors", "4"), 8, false, lines::add);
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("warning: 8 workers but 4 task slot(s) (4 executor(s)"), lines.get(0));
    }

    @Test
    void memoryOverheadIsSparksSettingOrItsDefault() {
        long mib = 1L << 20;
        assertEquals(4096 * mib, ResourceCheck.memoryOverhead(yarn("spark.executor.memoryOverhead", "4g")));
        assertEquals(3000 * mib, ResourceCheck.memoryOverhead(yarn("spark.executor.memoryOverhead", "3000")), "MiB by default");
        assertEquals(384 * mib, ResourceCheck.memoryOverhead(yarn("spark.executor.memory", "2g")), "at least 384 MiB");
        assertEquals(819 * mib, ResourceCheck.memoryOverhead(yarn("spark.executor.memory", "8g")), "10% of 8192 MiB");
        assertEquals(2048 * mib, ResourceCheck.memoryOverhead(yarn("spark.executor.memory", "8g",
                "spark.executor.memoryOverheadFactor", "0.25")));
    }

    @Test
    void aWorkersNativeMemoryMustFitTheOverhead() {
        // the Airflow DAG's old workload: the 60m preset (3 layers, width 896, 16 heads, context 1024), batch 16,
        // with a 4g overhead
        ModelConfig m = ModelConfig.preset("60m", 256);
        StepMemory step = StepMemory.of(m, 16, new diloco.model.Gpt(m).layout().size());
        UserError e = assertThrows(UserError.class,
                () -> ResourceCheck.checkNativeMemory(yarn("spark.executor.memoryOverhead", "4g"), step, 1024, 16));
        assertTrue(e.getMessage().startsWith("each worker needs about "), e.getMessage());
        long need = ResourceCheck.JVM_NATIVE + ResourceCheck.LIBTORCH_RUNTIME + step.total();
        assertTrue(e.getMessage().contains("spark.executor.memoryOverhead=" + ((need + GIB - 1) / GIB) + "g"), e.getMessage());
        assertTrue(e.getMessage().contains("but the executor memory overhead is 4.0 GiB"), e.getMessage());
        // the overhead it advises is enough
        assertDoesNotThrow(() -> ResourceCheck.checkNativeMemory(
                yarn("spark.executor.memoryOverhead", ((need + GIB - 1) / GIB) + "g"), step, 1024, 16));
        // the small preset at batch 16 does not fit Spark's default overhead of a 4g executor (384 MiB: the JVM's
        // own), but does in 1g
        StepMemory small = StepMemory.of(ModelConfig.preset("small", 256), 16, 842_496);
        assertThrows(UserError.class, () -> ResourceCheck.checkNativeMemory(yarn("spark.executor.memory", "4g"), small, 128, 16));
        assertDoesNotThrow(() -> ResourceCheck.checkNativeMemory(yarn("spark.executor.memoryOverhead", "1g"), small, 128, 16));
    }

    @Test
    void onlyYarnAndKubernetesAreSizedHere() {
        assertTrue(ResourceCheck.onCluster("yarn"));
        assertTrue(ResourceCheck.onCluster("k8s://https://api:6443"));
        assertFalse(ResourceCheck.onCluster("local[4]"));
        assertFalse(ResourceCheck.onCluster("local-cluster[2,1,1024]"));
        assertFalse(ResourceCheck.onCluster("spark://host:7077"));
        // a worker on its task's GPU keeps its activations there; --device cpu keeps them in native memory
        SparkConf gpu = yarn("spark.task.resource.gpu.amount", "1");
        assertTrue(ResourceCheck.computesOnGpu(gpu, "auto"));
        assertFalse(ResourceCheck.computesOnGpu(gpu, "cpu"));
        assertFalse(ResourceCheck.computesOnGpu(yarn(), "auto"));
    }
}
