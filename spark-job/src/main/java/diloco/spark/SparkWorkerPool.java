package diloco.spark;

import diloco.FaultSettings;
import diloco.InnerRound;
import diloco.WorkerPool;
import diloco.data.Shard;
import diloco.data.TrainingData;
import diloco.engine.ComputeSettings;
import diloco.engine.Engines;
import diloco.engine.Inference;
import diloco.exchange.RoundPlan;
import diloco.exchange.WorkerReport;
import diloco.inner.InnerSettings;
import diloco.io.FileEntry;
import diloco.model.Gpt;
import diloco.model.ModelConfig;
import diloco.pace.Pacing;
import diloco.state.WorkerStates;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.PartitionPruningRDD;

import scala.Function2;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * DiLoCo workers as Spark partitions, in MLlib's pattern (as in {@code RDDLossFunction}):
 * broadcast θ → each partition (= worker) computes → {@code treeAggregate} → driver; the
 * broadcast is destroyed after use. With {@code --final-combine executor} the tree's last sum is
 * taken on an executor, so the driver receives one partial sum whatever the number of workers.
 * Each round is one job with its own job tag, so it can be cancelled; the caller's job group is
 * left as it was (a notebook's Cancel reaches the rounds).
 */
public final class SparkWorkerPool implements WorkerPool {
    private final JavaSparkContext sc;
    private final JavaRDD<Shard> shards;
    private final JavaRDD<int[]> validation;
    private final Settings settings;
    private final WorkerTask task;
    private final WorkerStates states;
    private final Runnable onClose;
    /** Worker → the executor that holds its state (as Spark names locations), from the workers' reports. */
    private final Map<Integer, String> stateLocation = new ConcurrentHashMap<>();
    /** Threads that submit asynchronous workers' jobs (one each: a Spark job blocks its thread); made when first needed. */
    private ExecutorService jobThreads;
    /** The job tags of submitted jobs still running. */
    private final Set<String> submitted = ConcurrentHashMap.newKeySet();
    private static final String ROUND_TAG = "diloco-round-";
    private static final String DESCRIPTION = "spark.job.description";
    private static final String INTERRUPT_ON_CANCEL = "spark.job.interruptOnCancel";
    /** Makes this pool's job tags its own: two fits in one SparkContext never cancel each other's jobs. */
    private final String id = UUID.randomUUID().toString().substring(0, 8);

    /**
     * What the workers of a run need to know, besides their data and their states.
     *
     * @param model         the model's shape
     * @param inner         how each worker trains between communications
     * @param compute       where and with how many threads each worker computes
     * @param communication how outer gradients are encoded and summed
     * @param faults        the worker's failure policy and the outer-gradient guard
     * @param pacing        slowed workers, the clock, and how Δs are weighed
     */
    public record Settings(ModelConfig model, InnerSettings inner, ComputeSettings compute,
            CommunicationSettings communication, FaultSettings faults, Pacing pacing) implements Serializable {}

    /** {@code onClose} frees what the run kept (e.g. executor-side states in local mode). */
    public SparkWorkerPool(JavaSparkContext sc, TrainingData data, Settings settings, WorkerStates states,
            Runnable onClose) {
        this.sc = sc;
        this.shards = data.shards;
        this.settings = settings;
        this.task = new WorkerTask(settings, states);
        this.states = states;
        this.onClose = onClose;
        int slices = Math.max(1, Math.min(data.validation.length, data.stats.workerTokens().length));
        this.validation = sc.parallelize(Arrays.asList(data.validation), slices).cache();
    }

    @Override
    public InnerRound innerSteps(float[] theta, RoundPlan plan) {
        long t0 = System.nanoTime();
        Broadcast<float[]> global = sc.broadcast(theta);
        long t1 = System.nanoTime();
        WorkerTask worker = task;
        String what = "DiLoCo round " + plan.round + ": " + plan.activeCount() + " workers × " + plan.mostInnerSteps()
                + " inner steps";
        try {
            return tagged(roundTag(plan.round), what, true, () -> { // interruptible: timeouts cancel it
                int depth = settings.communication().aggregationDepth();
                boolean finalOnExecutor = ResourceCheck.finalCombineOnExecutor(settings.communication().finalCombine(),
                        theta.length, plan.activeCount(), depth);
                // the Scala RDD's treeAggregate: only it can take the last sum on an executor
                DeltaSum sum = activeShards(plan).rdd().treeAggregate(new DeltaSum(),
                        (Function2<DeltaSum, Shard, DeltaSum> & Serializable) (acc, shard) -> {
                            try {
                                return acc.add(worker.run(shard, global.value(), plan));
                            } catch (Exception e) {
                                throw SparkWorkerPool.<RuntimeException>rethrow(e);
                            }
                        },
                        (Function2<DeltaSum, DeltaSum, DeltaSum> & Serializable) DeltaSum::merge,
                        depth, finalOnExecutor, ClassTag$.MODULE$.apply(DeltaSum.class));
                double secStage = (System.nanoTime() - t1) / 1e9;
                for (WorkerReport r : sum.reports) {
                    WorkerReport.Placement at = r.placement();
                    if (r.rejected() == null && at.host() != null) { // it committed its state on that executor
                        stateLocation.put(r.worker(), WorkerAffinityRDD.executorLocation(at.host(), at.executor()));
                    }
                }
                return new InnerRound(sum.total(), sum.count, sum.weight(), sum.reports, (t1 - t0) / 1e9, secStage,
                        sum.bytesUp, sum.partialBytes);
            });
        } finally {
            global.destroy();
        }
    }

    /**
     * Runs {@code job} on this thread with our job tag, description and interrupt setting added to
     * the caller's, then puts the caller's back. The caller's job group stays: a notebook
     * paragraph's Cancel (its job group) reaches our jobs, and our own cancels (by tag, unique to
     * this pool) touch no one else's.
     */
    private <T> T tagged(String tag, String description, boolean interruptible, Supplier<T> job) {
        String description0 = sc.getLocalProperty(DESCRIPTION);
        String interrupt0 = sc.getLocalProperty(INTERRUPT_ON_CANCEL);
        sc.sc().addJobTag(tag);
        sc.setLocalProperty(DESCRIPTION, description);
        sc.setLocalProperty(INTERRUPT_ON_CANCEL, Boolean.toString(interruptible));
        try {
            return job.get();
        } finally {
            sc.sc().removeJobTag(tag);
            sc.setLocalProperty(DESCRIPTION, description0);
            sc.setLocalProperty(INTERRUPT_ON_CANCEL, interrupt0);
        }
    }

    /** Throws {@code e} unchanged from a Scala function, whose {@code apply} declares nothing (as a Java RDD task may). */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E rethrow(Throwable e) throws E {
        throw (E) e;
    }

    @Override
    public void cancel(int round) {
        sc.sc().cancelJobsWithTag(roundTag(round));
        submitted.forEach(sc.sc()::cancelJobsWithTag);
    }

    /** The Spark job tag of a round's job, or of an asynchronous worker's job by its id: unique to this pool. */
    String roundTag(int round) {
        return ROUND_TAG + round + "-" + id;
    }

    /** Whether {@code tag} marks the job of {@code round} (of any pool): benchmarks find a round's tasks by it. */
    public static boolean isRoundTag(String tag, int round) {
        return tag.startsWith(ROUND_TAG + round + "-");
    }

    @Override
    public List<FileEntry> saveStates(int[] lastActive, int checkpointRound, String dir) {
        ModelConfig model = settings.model();
        ComputeSettings compute = settings.compute();
        WorkerStates s = states;
        return tagged("diloco-checkpoint-" + id, "DiLoCo: workers write their states to " + dir, false,
                () -> withAffinity().flatMap(shard -> {
                    int round = lastActive[shard.worker()];
                    if (round == 0) {
                        return Collections.<FileEntry>emptyIterator(); // never trained: nothing to keep
                    }
                    Integer gpu = TaskResources.gpu();
                    FileEntry written = Engines.exclusive(() -> {
                        var engine = Engines.start(TaskResources.threads(compute.threads()));
                        return s.save(shard.worker(), round, checkpointRound, dir, new Gpt(model).layout(),
                                Engines.longLivedManager(engine, Engines.device(engine, compute.device(), gpu)));
                    });
                    return written == null ? Collections.<FileEntry>emptyIterator() : List.of(written).iterator();
                }).collect());
    }

    /**
     * The partitions (= workers) taking part, each sent to the executor holding its state;
     * inactive ones launch no task at all.
     */
    private JavaRDD<Shard> activeShards(RoundPlan plan) {
        JavaRDD<Shard> all = withAffinity();
        if (plan.activeCount() == plan.workers()) {
            return all;
        }
        return PartitionPruningRDD.create(all.rdd(), new ActivePartitions(plan)).toJavaRDD();
    }

    /** The shards, each preferring the executor where its worker's state lives (one JVM in local mode: as they are). */
    private JavaRDD<Shard> withAffinity() {
        return sc.sc().isLocal() || stateLocation.isEmpty() ? shards
                : new WorkerAffinityRDD(shards.rdd(), stateLocation).toJavaRDD();
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
        ModelConfig model = settings.model();
        ComputeSettings compute = settings.compute();
        int batch = settings.inner().batchSize();
        try {
            return validation.mapPartitions(it -> {
                List<int[]> windows = new ArrayList<>();
                it.forEachRemaining(windows::add);
                double[] nll = windows.isEmpty() ? new double[] {0, 0}
                        : Inference.with(model, global.value(), TaskResources.resolve(compute), TaskResources.gpu(), batch,
                                inference -> inference.windows(windows));
                return List.of(nll).iterator();
            }).reduce((a, b) -> new double[] {a[0] + b[0], a[1] + b[1]});
        } finally {
            global.destroy();
        }
    }

    @Override
    public void close() {
        submitted.forEach(sc.sc()::cancelJobsWithTag);
        if (jobThreads != null) {
            jobThreads.shutdownNow();
        }
        validation.unpersist(false);
        onClose.run();
    }
}
