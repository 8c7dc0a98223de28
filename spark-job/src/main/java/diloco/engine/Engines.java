package diloco.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The PyTorch engine of this JVM: thread settings, device choice, and the one compute thread on
 * which every training and evaluation step of this JVM runs, one task at a time.
 *
 * <p>Why one thread: DJL 0.36 allows one {@code GradientCollector} per JVM at a time (a static
 * flag), and intra-op threads are a per-process setting, so a DiLoCo worker owns its executor JVM
 * while it computes; in {@code local[N]} mode the workers run one after another
 * ({@code ./submit.sh local} runs them at once as separate executor JVMs instead). And PyTorch keeps
 * per-thread state: running workers on whichever Spark task thread they landed on made results
 * differ in the last bits from run to run (measured: 1 run in 5 with local[2]); one thread makes
 * them repeatable. Give each executor one task slot ({@code spark.task.cpus = spark.executor.cores})
 * so no slot waits here.
 */
public final class Engines {
    private static final ExecutorService COMPUTE = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "diloco-compute");
        t.setDaemon(true);
        return t;
    });
    private static final Map<Device, NDManager> LONG_LIVED = new ConcurrentHashMap<>();
    private static String matmulKernels = MatmulKernels.ONEMKL_NAME;

    private Engines() {}

    /**
     * Sets DJL's properties before the engine starts (they are read once per JVM), then returns
     * the engine with {@code threads} (≥ 1) intra-op threads.
     */
    public static synchronized Engine start(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("PyTorch needs at least one thread, got " + threads);
        }
        int n = threads;
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        setIfAbsent("ai.djl.pytorch.num_threads", Integer.toString(n));
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        Engine engine = Engine.getEngine("PyTorch");
        if (JniUtils.getNumThreads() != n) {
            JniUtils.setNumThreads(n);
        }
        return engine;
    }

    /**
     * {@link #start(int)}, then applies {@code kernels} to the process (see {@link MatmulKernels}); for
     * work that computes. Call on the compute thread.
     */
    public static synchronized Engine start(int threads, MatmulKernels kernels) {
        Engine engine = start(threads);
        matmulKernels = kernels.apply(engine);
        return engine;
    }

    /** The kernels computing this JVM's fp32 matmuls on the CPU now: onednn or onemkl. */
    public static synchronized String matmulKernels() {
        return matmulKernels;
    }

    /** The intra-op threads PyTorch computes with in this JVM now. */
    public static int threads() {
        return JniUtils.getNumThreads();
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** The device of {@link DeviceChoice} for {@code --device} {@code spec} and the task's Spark GPU. */
    public static Device device(Engine engine, String spec, Integer assigned) {
        return device(choose(engine, spec, assigned));
    }

    /** Where to compute (see {@link DeviceChoice}). */
    public static DeviceChoice choose(Engine engine, String spec, Integer assigned) {
        return DeviceChoice.of(spec, assigned, engine.getGpuCount(), "PyTorch " + engine.getVersion());
    }

    public static Device device(DeviceChoice choice) {
        return choice.isCpu() ? Device.cpu() : Device.gpu(choice.gpu());
    }

    /** A manager that lives as long as the JVM (for state kept across rounds). */
    public static NDManager longLivedManager(Engine engine, Device device) {
        return LONG_LIVED.computeIfAbsent(device, engine::newBaseManager);
    }

    /**
     * Runs {@code work} on this JVM's compute thread, after the work queued before it; see the
     * class comment. Thread-bound state (the TaskContext, the task's GPU) must be read by the
     * caller beforehand (see diloco.spark.TaskResources). An interrupted caller cancels its work.
     */
    public static <T> T exclusive(Callable<T> work) throws Exception {
        Future<T> f = COMPUTE.submit(work);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception) {
                throw (Exception) cause;
            }
            throw (Error) cause;
        }
    }
}
