package diloco.worker;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import diloco.RoundPlan;
import diloco.config.TrainConfig;
import diloco.data.BatchSampler;
import diloco.data.Hashing;
import diloco.data.Shard;
import diloco.model.Gpt;
import diloco.model.HostArrays;
import diloco.model.ParamLayout;
import diloco.optim.AdamW;
import diloco.optim.AdamWState;
import diloco.optim.LearningRateSchedule;

import diloco.checkpoint.FileEntry;
import diloco.checkpoint.StateFiles;
import diloco.checkpoint.WorkerStateFiles;

import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

/**
 * One worker's part of a DiLoCo round, run on an executor: start from the global θ, take H AdamW
 * steps on the worker's own shard, and return the outer gradient Δᵢ = θ − θᵢ. The worker's AdamW
 * state carries over from its previous round through {@link WorkerStateStore}.
 */
public final class InnerLoop {
    private final TrainConfig cfg;
    private final Gpt model;
    private final ParamLayout layout;
    private final AdamW adamw;
    private final LearningRateSchedule schedule;
    /** Where lost states are restored from and every-round states go; null when the run keeps no files. */
    private final StateFiles files;

    public InnerLoop(TrainConfig cfg, StateFiles files) {
        this.cfg = cfg;
        this.files = files;
        this.model = new Gpt(cfg.model);
        this.layout = model.layout();
        this.adamw = new AdamW(layout, cfg.innerBeta1, cfg.innerBeta2, cfg.innerEps, cfg.weightDecay, cfg.gradClip,
                false);
        this.schedule = schedule(cfg);
    }

    public static LearningRateSchedule schedule(TrainConfig c) {
        return new LearningRateSchedule(c.innerLr, c.warmupSteps, c.lrDecaySteps, c.minLrRatio);
    }

    /**
     * Runs the shard's worker for {@code plan.round} (1-based), holding this JVM's compute lock:
     * H AdamW steps from θ (or from its own parameters if its last Δ was lost), continuing the
     * optimizer state of the last round it took part in.
     */
    public WorkerUpdate run(Shard shard, float[] theta, RoundPlan plan, String runId) throws Exception {
        long asked = System.nanoTime();
        int worker = shard.worker;
        int round = plan.round;
        int previous = plan.previousRound(worker);
        TaskContext task = TaskContext.get();
        Integer gpu = Engines.taskGpu();
        if (cfg.onWorkerFailure == TrainConfig.OnWorkerFailure.DROP && task != null
                && task.attemptNumber() >= cfg.taskMaxFailures) {
            // every allowed attempt failed: this last one gives up, so the round goes on without it
            return new WorkerUpdate(null, WorkerReport.failed(worker, round,
                    "task failed " + cfg.taskMaxFailures + " times", executorId()));
        }
        return Engines.exclusive(() -> {
            double waited = (System.nanoTime() - asked) / 1e9;
            long startMs = System.currentTimeMillis();
            Engine engine = Engines.start(cfg.threadsPerWorker);
            Device device = Engines.device(engine, cfg.device, gpu);
            NDManager longLived = Engines.longLivedManager(engine, device);
            WorkerStateStore store = WorkerStateStore.get();
            WorkerStateStore.Checkout checkout = store.checkout(runId, worker, previous, layout, longLived);
            WorkerState state = checkout.state;
            StateSource source = checkout.source;
            if (source.kind == StateSource.Kind.FRESH && previous > 0 && files != null) {
                StateFiles.Restored restored = files.find(worker, previous, plan.checkpointRound, false, layout,
                        longLived);
                if (restored != null) {
                    state.close();
                    state = restored.state;
                    source = restored.source;
                }
            }
            boolean fromOwn = plan.continuesFromOwnParameters(worker) && state.ownParameters != null;
            boolean committed = false;
            try (NDManager manager = engine.newBaseManager(device)) {
                NDList params = layout.toArrays(fromOwn ? state.ownParameters : theta, manager);
                double lossSum = train(params, state.optimizer, shard, round, manager, engine, task);
                float[] local = layout.flatten(params);
                float[] delta = new float[theta.length];
                double sq = 0;
                for (int i = 0; i < delta.length; i++) {
                    delta[i] = theta[i] - local[i]; // outer gradient: OLD (global) minus NEW
                    sq += (double) delta[i] * delta[i];
                }
                double norm = Math.sqrt(sq);
                String rejected = !Double.isFinite(norm) || !Double.isFinite(lossSum) ? "non-finite"
                        : cfg.maxOuterGradNorm > 0 && norm > cfg.maxOuterGradNorm
                                ? String.format(java.util.Locale.ROOT, "norm %.4g > --max-outer-grad-norm %s", norm, cfg.maxOuterGradNorm)
                                : null;
                boolean dropped = rejected == null && plan.isDropped(worker, round);
                double secSync = 0;
                if (rejected == null) { // a rejected worker's state is suspect: it is not kept
                    state.ownParameters = dropped ? local : null;
                    if (cfg.innerStateSync == TrainConfig.InnerStateSync.EVERY_ROUND && files != null) {
                        long syncStart = System.nanoTime();
                        Path sync = WorkerStateFiles.syncFile(files.out(), worker, round);
                        WorkerStateFiles.write(files.conf(), sync.getParent(), sync.getName(), state, layout, worker, round);
                        WorkerStateFiles.pruneSync(files.conf(), files.out(), worker, previous);
                        secSync = (System.nanoTime() - syncStart) / 1e9;
                    }
                    store.commit(runId, worker, previous, round, state);
                    committed = true;
                }
                long tokens = (long) cfg.innerSteps * cfg.tokensPerStep();
                WorkerReport report = new WorkerReport(worker, round, tokens, lossSum / cfg.innerSteps, norm, source,
                        startMs, System.currentTimeMillis(), waited, secSync, executorId(), device.toString(), dropped, fromOwn,
                        rejected);
                return new WorkerUpdate(dropped || rejected != null ? null : delta, report);
            } finally {
                if (!committed) {
                    state.close();
                }
            }
        });
    }

    /**
     * Writes the state {@code worker} kept at the end of {@code round} into a checkpoint directory.
     * If this executor does not hold it (the task landed on another executor than the worker's
     * last round, or that executor is gone) and no file of that round exists, the newest older
     * state on disk is kept instead, labelled with its own round, so a resumed worker reports
     * where it continues from; with none at all, nothing is written (the worker would restart
     * fresh, and say so). Returns the file's manifest entry, or null when nothing was written.
     */
    public FileEntry saveState(int worker, int round, int checkpointRound, String runId, Path checkpointDir)
            throws Exception {
        Integer gpu = Engines.taskGpu();
        return Engines.exclusive(() -> {
            Engine engine = Engines.start(cfg.threadsPerWorker);
            NDManager longLived = Engines.longLivedManager(engine, Engines.device(engine, cfg.device, gpu));
            WorkerState state = WorkerStateStore.get().peek(runId, worker, round);
            WorkerState restored = null;
            int held = round;
            if (state == null) {
                StateFiles.Restored r = files.find(worker, round, checkpointRound, false, layout, longLived);
                String where = "worker " + worker + "'s state of round " + round + " is not in executor "
                        + executorId() + "'s memory nor on disk";
                if (r == null) {
                    System.err.println("[diloco] " + where + ", and no older one exists: not in this checkpoint");
                    return null;
                }
                held = r.source.round;
                System.err.println("[diloco] " + where + ": the checkpoint keeps its state of round " + held);
                restored = r.state;
                state = restored;
            }
            try {
                return WorkerStateFiles.write(files.conf(), checkpointDir, WorkerStateFiles.checkpointFile(worker), state,
                        layout, worker, held);
            } finally {
                if (restored != null) {
                    restored.close();
                }
            }
        });
    }

    /**
     * H AdamW steps on {@code params} in place; returns the sum of the step losses. Step s of
     * round r is global inner step (r−1)·H + s: batches and learning rate depend on it alone.
     */
    double train(NDList params, AdamWState state, Shard shard, int round, NDManager manager, Engine engine,
            TaskContext task) {
        return trainSteps(params, state, shard, (long) (round - 1) * cfg.innerSteps, cfg.innerSteps, manager, engine, task);
    }

    /** Steps {@code first .. first+count-1} (global inner step numbers); returns the summed loss. */
    public double trainSteps(NDList params, AdamWState state, Shard shard, long first, int count, NDManager manager,
            Engine engine, TaskContext task) {
        for (NDArray p : params) {
            p.setRequiresGradient(true);
        }
        int b = cfg.batchSize;
        int t = cfg.model.context;
        long[] x = new long[b * t];
        long[] y = new long[b * t];
        double lossSum = 0;
        for (long step = first; step < first + count; step++) {
            if (task != null) {
                task.killTaskIfInterrupted(); // a cancelled round (timeout, shutdown) stops between steps
            }
            BatchSampler.fill(shard.tokens, cfg.seed, shard.worker, step, b, t, x, y);
            if (cfg.model.dropout > 0f) {
                engine.setRandomSeed((int) Hashing.mix(cfg.seed, shard.worker, step));
            }
            lossSum += step(params, state, x, y, schedule.at(step), manager, engine);
        }
        return lossSum;
    }

    /** One forward/backward/update; every temporary array lives in a per-step manager. */
    float step(NDList params, AdamWState state, long[] x, long[] y, float lr, NDManager manager, Engine engine) {
        Shape shape = new Shape(cfg.batchSize, cfg.model.context);
        try (NDManager stepManager = manager.newSubManager()) {
            stepManager.tempAttachAll(params);
            NDArray xs = HostArrays.of(stepManager, x, shape);
            NDArray ys = HostArrays.of(stepManager, y, shape);
            float loss;
            try (GradientCollector gc = engine.newGradientCollector()) {
                NDArray l = model.loss(params, xs, ys, true);
                gc.backward(l);
                loss = l.getFloat();
            }
            adamw.step(params, state, lr);
            return loss;
        }
    }

    private static String executorId() {
        SparkEnv env = SparkEnv.get();
        return env == null ? "none" : env.executorId();
    }
}
