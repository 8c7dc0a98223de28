package diloco.spark;

import diloco.option.UserError;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.Locale;

/**
 * Checks before training that the outer gradients fit where Spark will hold them, so a run fails
 * in seconds with advice instead of hours in with an out-of-memory error.
 */
public final class ResourceCheck {
    /** Copies of θ-sized vectors an executor heap holds during a round: θ, Δ, partial sum, serialized result. */
    static final int EXECUTOR_COPIES = 4;
    /** The driver holds θ, the outer state (≤ 2), the mean Δ and the sum, plus the partials it receives. */
    static final int DRIVER_COPIES = 5;

    private ResourceCheck() {}

    /** Partial sums at least this large are combined on an executor under {@code --final-combine auto}. */
    static final long AUTO_EXECUTOR_BYTES = 64L << 20;

    public static void check(JavaSparkContext sc, int parameters, int workers, CommunicationSettings communication) {
        SparkConf conf = sc.getConf();
        int depth = communication.aggregationDepth();
        check(parameters, workers, depth, finalCombineOnExecutor(communication.finalCombine(), parameters, workers, depth),
                conf.getSizeAsBytes("spark.driver.maxResultSize", "1g"),
                Runtime.getRuntime().maxMemory(), conf.getSizeAsBytes("spark.executor.memory", "1g"), sc.sc().isLocal());
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
