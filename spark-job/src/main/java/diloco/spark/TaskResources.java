package diloco.spark;

import diloco.engine.ComputeSettings;

import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * What Spark says about the executor and task a worker runs in: its cores, its GPU, its names.
 * Read on the task's own thread (a TaskContext is thread-bound). Outside Spark (benchmarks, the
 * driver) there is none: the machine's cores, no GPU, executor "none".
 */
public final class TaskResources {
    private TaskResources() {}

    /** {@code compute} with its threads resolved for this executor (0 = its cores). */
    public static ComputeSettings resolve(ComputeSettings compute) {
        return new ComputeSettings(threads(compute.threads()), compute.device(), compute.matmulKernels());
    }

    /** PyTorch threads for {@code requested} ({@code --threads-per-worker}): as asked, or 0 = this executor's cores. */
    public static int threads(int requested) {
        return requested > 0 ? requested : executorCores();
    }

    /**
     * Cores this executor may use: spark.executor.cores where set, otherwise the machine's (a
     * standalone executor started without spark.executor.cores takes all its worker's cores).
     */
    static int executorCores() {
        int machine = Runtime.getRuntime().availableProcessors();
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            return machine;
        }
        return Math.max(1, Math.min(machine, env.conf().getInt("spark.executor.cores", machine)));
    }

    /** The GPU Spark assigned to the current task, or null. */
    public static Integer gpu() {
        return gpu(TaskContext.get());
    }

    static Integer gpu(TaskContext task) {
        if (task == null) {
            return null;
        }
        ResourceInformation gpu = task.resourcesJMap().get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            return null;
        }
        return Integer.parseInt(gpu.addresses()[0].trim());
    }

    /** This executor's id, or "none" outside Spark. */
    static String executorId() {
        SparkEnv env = SparkEnv.get();
        return env == null ? "none" : env.executorId();
    }

    /** This executor's host as Spark's block manager knows it, or null outside Spark. */
    static String executorHost() {
        SparkEnv env = SparkEnv.get();
        return env == null ? null : env.blockManager().blockManagerId().host();
    }
}
