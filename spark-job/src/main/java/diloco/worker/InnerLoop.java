package diloco.worker;

import static diloco.config.Options.BATCH_SIZE;
import static diloco.config.Options.DEVICE;
import static diloco.config.Options.GRAD_CLIP;
import static diloco.config.Options.INNER_BETA1;
import static diloco.config.Options.INNER_BETA2;
import static diloco.config.Options.INNER_EPS;
import static diloco.config.Options.INNER_LR;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.MAX_OUTER_GRAD_NORM;
import static diloco.config.Options.MIN_LR_RATIO;
import static diloco.config.Options.ON_WORKER_FAILURE;
import static diloco.config.Options.OUTER_GRAD_DTYPE;
import static diloco.config.Options.OUTER_GRAD_PRUNE;
import static diloco.config.Options.OUTER_GRAD_ROUNDING;
import static diloco.config.Options.SEED;
import static diloco.config.Options.TASK_MAX_FAILURES;
import static diloco.config.Options.THREADS_PER_WORKER;
import static diloco.config.Options.WARMUP_STEPS;
import static diloco.config.Options.WEIGHT_DECAY;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import diloco.RoundPlan;
import diloco.codec.EncodedDelta;
import diloco.config.TrainConfig;
import diloco.data.BatchSampler;
import diloco.data.Hashing;
import diloco.data.Shard;
import diloco.model.FlatParameters;
import diloco.model.Gpt;
import diloco.model.HostArrays;
import diloco.model.ParamLayout;
import diloco.optim.AdamW;
import diloco.optim.AdamWState;
import diloco.optim.LearningRateSchedule;

import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One worker's part of a DiLoCo round, run on an executor: θ → Δᵢ. Start from the global θ, take
 * H AdamW steps on the worker's own shard, and return the outer gradient Δᵢ = θ − θᵢ. The
 * worker's AdamW state carries over from its previous round through {@link WorkerStates}.
 */
public final class InnerLoop {
    private final TrainConfig cfg;
    private final Gpt model;
    private final ParamLayout layout;
    private final AdamW adamw;
    private final LearningRateSchedule schedule;
    /** A test's fault hook (see {@link FaultInjection}); null in real runs. */
    private final FaultInjection faults;
    /** A benchmark's step timer (see {@link #measurePhases}); null in real runs. */
    private StepPhases phases;

    public InnerLoop(TrainConfig cfg) {
        this.cfg = cfg;
        this.faults = FaultInjection.fromEnvironment();
        this.model = new Gpt(cfg.model());
        this.layout = model.layout();
        this.adamw = new AdamW(cfg.get(INNER_BETA1), cfg.get(INNER_BETA2), cfg.get(INNER_EPS),
                cfg.get(WEIGHT_DECAY), cfg.get(GRAD_CLIP), false);
        this.schedule = schedule(cfg);
    }

    /** The inner learning rate by global inner step: warm-up, then cosine decay. */
    public static LearningRateSchedule schedule(TrainConfig c) {
        return new LearningRateSchedule(c.get(INNER_LR), c.get(WARMUP_STEPS), c.lrDecaySteps(), c.get(MIN_LR_RATIO));
    }

    /**
     * Runs the shard's worker for {@code plan.round} (1-based) on this JVM's compute thread: H
     * AdamW steps from θ (or from its own parameters if its last Δ was lost), continuing the
     * optimizer state of the last round it took part in.
     */
    public WorkerUpdate run(Shard shard, float[] theta, RoundPlan plan, WorkerStates states) throws Exception {
        long asked = System.nanoTime();
        int worker = shard.worker();
        int round = plan.round;
        int previous = plan.previousRound(worker);
        TaskContext task = TaskContext.get();
        Integer gpu = Engines.taskGpu();
        if (cfg.get(ON_WORKER_FAILURE) == TrainConfig.OnWorkerFailure.DROP && task != null
                && task.attemptNumber() >= cfg.get(TASK_MAX_FAILURES)) {
            // every allowed attempt failed: this last one gives up, so the round goes on without it
            return new WorkerUpdate(null, WorkerReport.failed(worker, round,
                    "task failed " + cfg.get(TASK_MAX_FAILURES) + " times", executorId()));
        }
        return Engines.exclusive(() -> {
            double waited = (System.nanoTime() - asked) / 1e9;
            long startMs = System.currentTimeMillis();
            Engine engine = Engines.start(cfg.get(THREADS_PER_WORKER));
            DeviceChoice choice = Engines.choose(engine, cfg.get(DEVICE), gpu);
            Device device = Engines.device(choice);
            WorkerStates.Checkout checkout = states.checkout(worker, previous, plan.checkpointRound, layout,
                    Engines.longLivedManager(engine, device));
            WorkerState state = checkout.state();
            boolean fromOwn = plan.continuesFromOwnParameters(worker) && state.ownParameters != null;
            boolean committed = false;
            try (NDManager manager = engine.newBaseManager(device)) {
                FlatParameters params = FlatParameters.of(layout, fromOwn ? state.ownParameters : theta, manager);
                double lossSum = train(params, state.optimizer, shard, round, manager, engine, task);
                float[] local = params.toHost();
                float[] delta = new float[theta.length];
                double sq = 0;
                for (int i = 0; i < delta.length; i++) {
                    delta[i] = theta[i] - local[i]; // outer gradient: OLD (global) minus NEW
                    sq += (double) delta[i] * delta[i];
                }
                double norm = Math.sqrt(sq);
                double maxNorm = cfg.get(MAX_OUTER_GRAD_NORM);
                String rejected = !Double.isFinite(norm) || !Double.isFinite(lossSum) ? "non-finite"
                        : maxNorm > 0 && norm > maxNorm
                                ? String.format(Locale.ROOT, "norm %.4g > --max-outer-grad-norm %s", norm, maxNorm)
                                : null;
                boolean dropped = rejected == null && plan.isDropped(worker, round);
                double secSync = 0;
                if (rejected == null) { // a rejected worker's state is suspect: it is not kept
                    state.ownParameters = dropped ? local : null;
                    committed = true; // from here on the states own it, even if writing it fails
                    secSync = states.commit(worker, previous, round, state, layout);
                }
                long steps = cfg.get(INNER_STEPS);
                WorkerReport report = new WorkerReport(worker, round, steps * cfg.tokensPerStep(), lossSum / steps, norm,
                        schedule.at(round * steps - 1), checkout.source(), startMs, System.currentTimeMillis(), waited,
                        secSync, executorId(), executorHost(), device.toString(), Engines.threads(), gpu, choice.note(),
                        dropped, fromOwn, rejected);
                return new WorkerUpdate(dropped || rejected != null ? null : encode(delta, worker, round), report);
            } finally {
                if (!committed) {
                    state.close();
                }
            }
        });
    }

    /**
     * Δᵢ as it leaves the task, pruned by {@code --outer-grad-prune} and in {@code --outer-grad-dtype};
     * stochastic rounding seeded by (seed, worker, round).
     */
    private EncodedDelta encode(float[] delta, int worker, int round) {
        boolean stochastic = cfg.get(OUTER_GRAD_ROUNDING) == TrainConfig.Rounding.STOCHASTIC;
        return EncodedDelta.encode(delta, cfg.get(OUTER_GRAD_DTYPE), cfg.get(OUTER_GRAD_PRUNE), stochastic,
                new SplittableRandom(Hashing.mix(cfg.get(SEED), worker, round, 0x71756e74L)));
    }

    /**
     * H AdamW steps on {@code params} in place; returns the sum of the step losses. Step s of
     * round r is global inner step (r−1)·H + s: batches and learning rate depend on it alone.
     */
    double train(FlatParameters params, AdamWState state, Shard shard, int round, NDManager manager, Engine engine,
            TaskContext task) {
        int h = cfg.get(INNER_STEPS);
        return trainSteps(params, state, shard, (long) (round - 1) * h, h, manager, engine, task);
    }

    /** Steps {@code first .. first+count-1} (global inner step numbers); returns the summed loss. */
    public double trainSteps(FlatParameters params, AdamWState state, Shard shard, long first, int count,
            NDManager manager, Engine engine, TaskContext task) {
        int b = cfg.get(BATCH_SIZE);
        int t = cfg.model().context();
        long[] x = new long[b * t];
        long[] y = new long[b * t];
        double lossSum = 0;
        for (long step = first; step < first + count; step++) {
            if (task != null) {
                task.killTaskIfInterrupted(); // a cancelled round (timeout, shutdown) stops between steps
            }
            if (faults != null) {
                faults.beforeStep(shard.worker(), (int) (first / cfg.get(INNER_STEPS)) + 1, (int) (step - first) + 1,
                        executorId());
            }
            if (phases != null) {
                phases.start();
            }
            BatchSampler.fill(shard.tokens(), cfg.get(SEED), shard.worker(), step, b, t, x, y);
            lap(StepPhases.Phase.SAMPLE);
            if (cfg.model().dropout() > 0f) {
                engine.setRandomSeed((int) Hashing.mix(cfg.get(SEED), shard.worker(), step));
            }
            lossSum += step(params, state, x, y, schedule.at(step), manager, engine);
        }
        return lossSum;
    }

    /** One forward/backward/update; every temporary array lives in a per-step manager. */
    float step(FlatParameters params, AdamWState state, long[] x, long[] y, float lr, NDManager manager,
            Engine engine) {
        Shape shape = new Shape(cfg.get(BATCH_SIZE), cfg.model().context());
        float loss;
        try (NDManager stepManager = manager.newSubManager()) {
            stepManager.tempAttachAll(params.array()); // the step's views and temporaries go with the step
            NDArray xs = HostArrays.of(stepManager, x, shape);
            NDArray ys = HostArrays.of(stepManager, y, shape);
            lap(StepPhases.Phase.UPLOAD);
            try (GradientCollector gc = engine.newGradientCollector()) {
                NDArray l = model.loss(params.views(), xs, ys, true);
                lap(StepPhases.Phase.FORWARD);
                gc.backward(l);
                loss = l.getFloat();
                lap(StepPhases.Phase.BACKWARD);
            }
            adamw.step(params, state, lr);
            lap(StepPhases.Phase.OPTIMIZER);
        }
        lap(StepPhases.Phase.RELEASE);
        return loss;
    }

    /** Times each phase of every step from now on into {@code phases} (benchmarks); null stops. */
    public void measurePhases(StepPhases phases) {
        this.phases = phases;
    }

    private void lap(StepPhases.Phase phase) {
        if (phases != null) {
            phases.lap(phase);
        }
    }

    static String executorHost() {
        SparkEnv env = SparkEnv.get();
        return env == null ? null : env.blockManager().blockManagerId().host();
    }

    static String executorId() {
        SparkEnv env = SparkEnv.get();
        return env == null ? "none" : env.executorId();
    }
}
