package diloco.spark;

import diloco.Log;
import diloco.model.ModelConfig;
import diloco.model.StepMemory;
import diloco.option.UserError;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.Locale;

/**
 * Checks before training (and with {@code --validate-only}) that the run fits the session it was
 * given, so it fails in seconds with advice instead of hours in: the outer gradients where Spark
 * holds them (driver and executor heaps, {@code spark.driver.maxResultSize}); on YARN and Kubernetes
 * also the executors' task slots against the workers, dynamic allocation, and a worker's native
 * memory ({@link StepMemory}) against the executor's memory overhead.
 */
public final class ResourceCheck {
    /** Below this spark.locality.wait.process, the waves warning also asks for a longer one (./submit.sh local sets 10min). */
    static final long PLACEMENT_WAIT_MS = 60_000;

    /** Copies of θ-sized vectors an executor heap holds during a round: θ, Δ, partial sum, serialized result. */
    static final int EXECUTOR_COPIES = 4;
    /** The driver holds θ, the outer state (≤ 2), the mean Δ and the sum, plus the partials it receives. */
    static final int DRIVER_COPIES = 5;

    private ResourceCheck() {}

    /** Partial sums at least this large are combined on an executor under {@code --final-combine auto}. */
    static final long AUTO_EXECUTOR_BYTES = 64L << 20;

    /**
     * JVM memory outside the heap (metaspace, thread stacks, Netty's buffers): Spark's own minimum
     * executor memory overhead, which it sizes for that alone.
     */
    static final long JVM_NATIVE = 384L << 20;
    /** libtorch's code, MKL's buffers and thread pools once loaded (docs/benchmarks.md, "Memory"). */
    static final long LIBTORCH_RUNTIME = 256L << 20;

    /**
     * What the checks need of a run.
     *
     * @param parameters      the model's parameter count
     * @param workers         {@code --workers}
     * @param communication   how the outer gradients travel
     * @param model           the model's shape (its vocabulary the tokenizer's)
     * @param batchSize       {@code --batch-size}
     * @param device          {@code --device}
     * @param strictResources {@code --strict-resources}: too few task slots is a refusal, not a warning
     */
    public record Sizing(int parameters, int workers, CommunicationSettings communication, ModelConfig model,
            int batchSize, String device, boolean strictResources) {}

    public static void check(JavaSparkContext sc, Sizing run, Log log) {
        SparkConf conf = sc.getConf();
        int parameters = run.parameters();
        int workers = run.workers();
        CommunicationSettings communication = run.communication();
        int depth = communication.aggregationDepth();
        check(parameters, workers, depth, finalCombineOnExecutor(communication.finalCombine(), parameters, workers, depth),
                conf.getSizeAsBytes("spark.driver.maxResultSize", "1g"),
                Runtime.getRuntime().maxMemory(), conf.getSizeAsBytes("spark.executor.memory", "1g"), sc.sc().isLocal());
        if (onCluster(sc.master())) {
            checkCluster(conf, run, log);
        }
    }

    /**
     * The checks a YARN or Kubernetes session gets beside the heap checks, from its settings alone:
     * executors and task slots against the workers, dynamic allocation, a worker's native memory
     * against the executor memory overhead (unless it computes on a GPU). Public so that a deployment's
     * sizes (the Airflow DAG's) can be checked without a cluster.
     */
    public static void checkCluster(SparkConf conf, Sizing run, Log log) {
        checkCluster(conf, run.workers(), run.strictResources(), log);
        if (!computesOnGpu(conf, run.device())) {
            checkNativeMemory(conf, StepMemory.of(run.model(), run.batchSize(), run.parameters()), run.model().context(),
                    run.batchSize());
        }
    }

    /** YARN and Kubernetes: the cluster managers that size executors from these settings and enforce them. */
    static boolean onCluster(String master) {
        return master.startsWith("yarn") || master.startsWith("k8s://");
    }

    /**
     * Dynamic allocation decides the executor count by itself and releases executors idle past its
     * timeout, with the worker states they hold (a streamed dataset caches no block that would keep
     * them): refused unless pinned (min = max). Then, fewer task slots than workers: a warning, or
     * with {@code --strict-resources} a refusal.
     */
    static void checkCluster(SparkConf conf, int workers, boolean strict, Log log) {
        int executors;
        if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
            int min = conf.getInt("spark.dynamicAllocation.minExecutors", 0);
            int max = conf.getInt("spark.dynamicAllocation.maxExecutors", Integer.MAX_VALUE);
            if (min != max) {
                throw new UserError(String.format(Locale.ROOT,
                        "dynamic allocation is on (spark.dynamicAllocation.enabled=true, min %d, max %s executors): it "
                                + "may release an idle executor with the worker states it holds, and chooses how many "
                                + "workers compute at once; turn it off (--conf spark.dynamicAllocation.enabled=false "
                                + "--num-executors %d) or pin it (--conf spark.dynamicAllocation.minExecutors=%d --conf "
                                + "spark.dynamicAllocation.maxExecutors=%d)", min,
                        max == Integer.MAX_VALUE ? "unbounded" : Integer.toString(max), workers, workers, workers));
            }
            executors = min;
        } else {
            executors = conf.getInt("spark.executor.instances", 2); // YARN's and Kubernetes' default
        }
        int perExecutor = slotsPerExecutor(conf);
        int slots = executors * perExecutor;
        if (slots >= workers) {
            return;
        }
        int waves = (workers + slots - 1) / Math.max(slots, 1);
        String message = String.format(Locale.ROOT,
                "%d workers but %d task slot(s) (%d executor(s) × %d: spark.executor.cores %d / spark.task.cpus %d%s), so "
                        + "every round runs its workers in %d waves, each worker waiting for the one before: ask for "
                        + "%d executors (--num-executors %d; NUM_EXECUTORS=%d with submit.sh), or --workers %d",
                workers, slots, executors, perExecutor, conf.getInt("spark.executor.cores", 1),
                conf.getInt("spark.task.cpus", 1), gpuPerTask(conf) > 0 ? ", and GPUs" : "", waves,
                ceilDiv(workers, perExecutor), ceilDiv(workers, perExecutor), ceilDiv(workers, perExecutor), slots);
        long placementWaitMs = conf.getTimeAsMs("spark.locality.wait.process", conf.get("spark.locality.wait", "3s"));
        if (placementWaitMs < PLACEMENT_WAIT_MS) {
            // a queued worker whose executor is busy longer than this runs elsewhere with fresh AdamW moments
            message += String.format(Locale.ROOT, "; with waves, also set spark.locality.wait.process=10min (now %d ms): "
                    + "otherwise a worker queued behind a busy executor restarts elsewhere with fresh AdamW moments",
                    placementWaitMs);
        }
        if (strict) {
            throw new UserError(message + " (--strict-resources)");
        }
        log.say("warning: %s", message);
    }

    /** Tasks an executor runs at once: its cores over the task's, and its GPUs over the task's. */
    static int slotsPerExecutor(SparkConf conf) {
        int slots = conf.getInt("spark.executor.cores", 1) / Math.max(conf.getInt("spark.task.cpus", 1), 1);
        double taskGpus = gpuPerTask(conf);
        if (taskGpus > 0) {
            slots = Math.min(slots, (int) Math.floor(conf.getDouble("spark.executor.resource.gpu.amount", 0) / taskGpus));
        }
        return Math.max(slots, 0);
    }

    private static double gpuPerTask(SparkConf conf) {
        return conf.getDouble("spark.task.resource.gpu.amount", 0);
    }

    /** The worker computes on its task's GPU: activations in GPU memory, which the driver cannot see. */
    static boolean computesOnGpu(SparkConf conf, String device) {
        return gpuPerTask(conf) > 0 && !device.equals("cpu");
    }

    /**
     * The executor's memory overhead (YARN and Kubernetes add it to the heap for the container's
     * limit) against what a worker needs beside its heap: the JVM's own, libtorch's, and a step's.
     */
    static void checkNativeMemory(SparkConf conf, StepMemory step, int context, int batch) {
        long overhead = memoryOverhead(conf);
        long need = JVM_NATIVE + LIBTORCH_RUNTIME + step.total();
        if (need > overhead) {
            throw new UserError(String.format(Locale.ROOT,
                    "each worker needs about %s of native memory beside its heap, batch %d × context %d: %s to train, plus "
                            + "%s for the JVM and libtorch, but the executor memory overhead is %s: set --conf "
                            + "spark.executor.memoryOverhead=%s (EXECUTOR_MEMORY_OVERHEAD with submit.sh), or lower "
                            + "--batch-size (the estimate: docs/benchmarks.md, \"Memory\")",
                    StepMemory.size(need), batch, context, step.describe(), StepMemory.size(JVM_NATIVE + LIBTORCH_RUNTIME),
                    StepMemory.size(overhead), gib(need)));
        }
    }

    /** spark.executor.memoryOverhead, or Spark's default: the larger of 384 MiB and a factor (0.1) of the heap. */
    static long memoryOverhead(SparkConf conf) {
        if (conf.contains("spark.executor.memoryOverhead")) {
            return conf.getSizeAsMb("spark.executor.memoryOverhead", "384") << 20;
        }
        long heapMb = conf.getSizeAsMb("spark.executor.memory", "1g");
        double factor = conf.getDouble("spark.executor.memoryOverheadFactor", 0.1);
        return Math.max(384L, (long) (factor * heapMb)) << 20;
    }

    private static int ceilDiv(int a, int b) {
        return (a + Math.max(b, 1) - 1) / Math.max(b, 1);
    }

    /**
     * Whether treeAggregate takes its last sum on an executor ({@code finalAggregateOnExecutor}), so
     * that the driver receives one partial sum instead of {@link #resultsAtDriver}.
     */
    public static boolean finalCombineOnExecutor(FinalCombine choice, int parameters, int workers, int depth) {
        return switch (choice) {
            case DRIVER -> false;
            case EXECUTOR -> true;
            case AUTO -> resultsAtDriver(workers, depth) > 1 && 4L * parameters >= AUTO_EXECUTOR_BYTES;
        };
    }

    /** The check itself, on explicit limits; throws {@link UserError} with advice. */
    static void check(int parameters, int workers, int depth, boolean finalOnExecutor, long maxResultSize, long driverHeap,
            long executorHeap, boolean local) {
        long vector = 4L * parameters;
        int partials = finalOnExecutor ? 1 : resultsAtDriver(workers, depth);
        if (maxResultSize > 0 && vector * partials > maxResultSize) {
            throw new UserError(String.format(Locale.ROOT,
                    "the driver would receive %d outer gradients of %s each (%s) per round, over spark.driver.maxResultSize=%s: "
                            + "raise it (--conf spark.driver.maxResultSize=%s)%s",
                    partials, mib(vector), mib(vector * partials), mib(maxResultSize), gib(vector * partials * 2),
                    partials > 1 ? ", or combine on an executor (--final-combine executor)" : ""));
        }
        long driverNeed = vector * (DRIVER_COPIES + partials) + (local ? vector * EXECUTOR_COPIES : 0);
        if (driverNeed > driverHeap * 0.8) {
            throw new UserError(String.format(Locale.ROOT,
                    "the driver needs about %s of heap for θ, the outer state and %d partial sums, but has %s: raise --driver-memory",
                    mib(driverNeed), partials, mib(driverHeap)));
        }
        long executorNeed = vector * EXECUTOR_COPIES;
        if (!local && executorNeed > executorHeap * 0.6) {
            throw new UserError(String.format(Locale.ROOT,
                    "each executor needs about %s of heap for θ and Δ, but spark.executor.memory is %s: raise --executor-memory",
                    mib(executorNeed), mib(executorHeap)));
        }
    }

    /**
     * Partial results that reach the driver in {@code treeAggregate(depth)}: Spark merges
     * partitions on executors while that reduces the count, then collects the rest.
     */
    static int resultsAtDriver(int partitions, int depth) {
        if (depth <= 1) {
            return partitions;
        }
        int n = partitions;
        int scale = Math.max((int) Math.ceil(Math.pow(n, 1.0 / depth)), 2);
        while (n > scale + (int) Math.ceil((double) n / scale)) {
            n /= scale;
        }
        return n;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%dg", Math.max(1, (bytes + (1L << 30) - 1) >> 30));
    }
}
