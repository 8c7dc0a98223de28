package diloco.spark;

import diloco.InnerRound;
import diloco.RoundPlan;
import diloco.WorkerPool;
import diloco.checkpoint.FileEntry;
import diloco.checkpoint.StateFiles;
import diloco.config.TrainConfig;
import diloco.data.Shard;
import diloco.data.TrainingData;
import diloco.worker.Evaluator;
import diloco.worker.InnerLoop;
import diloco.worker.WorkerStateStore;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.PartitionPruningRDD;

import scala.runtime.AbstractFunction1;

import java.io.Serializable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * DiLoCo workers as Spark partitions, in MLlib's pattern (as in {@code RDDLossFunction}):
 * broadcast θ → each partition (= worker) computes → {@code treeAggregate} → driver; the
 * broadcast is destroyed after use.
 */
public final class SparkWorkerPool implements WorkerPool {
    private final JavaSparkContext sc;
    private final JavaRDD<Shard> shards;
    private final JavaRDD<int[]> validation;
    private final TrainConfig cfg;
    private final String runId;
    private final StateFiles files;

    public SparkWorkerPool(JavaSparkContext sc, TrainingData data, TrainConfig cfg, String runId, StateFiles files) {
        this.sc = sc;
        this.shards = data.shards;
        this.cfg = cfg;
        this.runId = runId;
        this.files = files;
        int slices = Math.max(1, Math.min(data.validation.length, cfg.workers));
        this.validation = sc.parallelize(Arrays.asList(data.validation), slices).cache();
    }

    @Override
    public InnerRound innerSteps(float[] theta, RoundPlan plan) {
        long t0 = System.nanoTime();
        Broadcast<float[]> global = sc.broadcast(theta);
        long t1 = System.nanoTime();
        TrainConfig c = cfg;
        String run = runId;
        StateFiles f = files;
        sc.setJobGroup(jobGroup(plan.round), "DiLoCo round " + plan.round + ": " + plan.activeCount()
                + " workers × " + c.innerSteps + " inner steps", true); // interruptible: timeouts cancel it
        try {
            DeltaSum sum = activeShards(plan).treeAggregate(new DeltaSum(),
                    (acc, shard) -> acc.add(new InnerLoop(c, f).run(shard, global.value(), plan, run)),
                    DeltaSum::merge,
                    c.aggregationDepth);
            double secStage = (System.nanoTime() - t1) / 1e9;
            return new InnerRound(sum.sum, sum.count, sum.reports, (t1 - t0) / 1e9, secStage);
        } finally {
            sc.clearJobGroup();
            global.destroy();
        }
    }

    /** The Spark job group of a round's job, for cancelling it (timeouts, shutdown). */
    public static String jobGroup(int round) {
        return "diloco-round-" + round;
    }

    @Override
    public List<FileEntry> saveStates(int[] lastActive, int checkpointRound, Path dir) {
        TrainConfig c = cfg;
        String run = runId;
        StateFiles f = files;
        String target = dir.toString();
        sc.setJobGroup("diloco-checkpoint", "DiLoCo: workers write their states to " + target, false);
        try {
            return shards.flatMap(shard -> {
                int round = lastActive[shard.worker];
                if (round == 0) {
                    return java.util.Collections.<FileEntry>emptyIterator(); // never trained: nothing to keep
                }
                FileEntry written = new InnerLoop(c, f).saveState(shard.worker, round, checkpointRound, run, new Path(target));
                return written == null ? java.util.Collections.<FileEntry>emptyIterator() : List.of(written).iterator();
            }).collect();
        } finally {
            sc.clearJobGroup();
        }
    }

    /** The partitions (= workers) taking part; inactive ones launch no task at all. */
    private JavaRDD<Shard> activeShards(RoundPlan plan) {
        if (plan.activeCount() == plan.workers()) {
            return shards;
        }
        return PartitionPruningRDD.create(shards.rdd(), new ActivePartitions(plan)).toJavaRDD();
    }

    /** Scala's {@code Int => Boolean} for {@link PartitionPruningRDD}: is partition i active? */
    private static final class ActivePartitions extends AbstractFunction1<Object, Object> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final RoundPlan plan;

        ActivePartitions(RoundPlan plan) {
            this.plan = plan;
        }

        @Override
        public Object apply(Object partition) {
            return plan.isActive((Integer) partition);
        }
    }

    @Override
    public double[] validate(float[] theta) {
        Broadcast<float[]> global = sc.broadcast(theta);
        TrainConfig c = cfg;
        try {
            return validation.mapPartitions(it -> {
                List<int[]> windows = new ArrayList<>();
                it.forEachRemaining(windows::add);
                return List.of(Evaluator.nll(windows, global.value(), c)).iterator();
            }).reduce((a, b) -> new double[] {a[0] + b[0], a[1] + b[1]});
        } finally {
            global.destroy();
        }
    }

    @Override
    public void close() {
        validation.unpersist(false);
        if (sc.sc().isLocal()) {
            WorkerStateStore.get().clear(runId); // executors share this JVM; elsewhere idle eviction frees them
        }
    }
}
