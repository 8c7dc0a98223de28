package diloco.spark;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

import diloco.FaultSettings;
import diloco.codec.EncodedDelta;
import diloco.data.BatchSampler;
import diloco.data.BatchSource;
import diloco.data.Hashing;
import diloco.data.Shard;
import diloco.engine.DeviceChoice;
import diloco.engine.Engines;
import diloco.exchange.RoundPlan;
import diloco.exchange.WorkerReport;
import diloco.exchange.WorkerUpdate;
import diloco.inner.InnerResult;
import diloco.inner.InnerSettings;
import diloco.inner.InnerTrainer;
import diloco.inner.StepHooks;
import diloco.io.BuildInfo;
import diloco.model.FlatParameters;
import diloco.model.Gpt;
import diloco.model.ModelConfig;
import diloco.model.ParamLayout;
import diloco.pace.MergeRule;
import diloco.pace.Pacing;
import diloco.pace.WorkerClock;
import diloco.state.WorkerState;
import diloco.state.WorkerStates;

import org.apache.spark.TaskContext;

import java.io.IOException;
import java.io.Serializable;
import java.util.Locale;

/**
 * One DiLoCo worker's part of a round, as a Spark task: θ → Δᵢ. It owns what only a task knows:
 * the TaskContext (cancellation, attempt number) and the drop-on-failure policy, the worker's
 * state (checked out at the start, committed at the end), Δᵢ = θ − θᵢ and its norm guard, the
 * encoding, and the report. The H steps themselves are {@link InnerTrainer}'s, free of Spark.
 * Shipped to the executors with each round.
 */
final class WorkerTask implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Mixed into the seed of a worker's stochastic rounding, apart from its batches' streams. */
    private static final long ROUNDING_STREAM = 0x71756e74L;

    private final ModelConfig model;
    private final InnerSettings inner;
    private final SparkWorkerPool.Settings settings;
    private final WorkerStates states;

    /** The task of every worker of a run with these {@code settings}, keeping their state in {@code states}. */
    WorkerTask(SparkWorkerPool.Settings settings, WorkerStates states) {
        this.model = settings.model();
        this.inner = settings.inner();
        this.settings = settings;
        this.states = states;
    }

    /**
     * Runs the shard's worker for {@code plan.round} on this JVM's compute thread: H AdamW steps from θ
     * (or from its own parameters if its last Δ was lost), continuing the optimizer state of the last
     * round it took part in. Call it on the task's thread.
     */
    WorkerUpdate run(Shard shard, float[] theta, RoundPlan plan) throws Exception {
        long asked = System.nanoTime();
        TaskContext task = TaskContext.get();
        FaultSettings faults = settings.faults();
        if (faults.dropFailedWorkers() && task != null && task.attemptNumber() >= faults.taskMaxFailures()) {
            // every allowed attempt failed: this last one gives up, so the round goes on without it
            return new WorkerUpdate(null, WorkerReport.failed(shard.worker(), plan.round,
                    "task failed " + faults.taskMaxFailures() + " times", TaskResources.executorId()));
        }
        Integer gpu = TaskResources.gpu(task);
        int worker = shard.worker();
        Pacing pacing = settings.pacing();
        WorkerClock clock = new WorkerClock(pacing.clock(), pacing.slowdown().factor(worker), plan.deadline());
        StepHooks hooks = hooks(task, worker, plan).andThen(clock);
        return Engines.exclusive(() -> train(shard, theta, plan, new Start(asked, gpu), hooks, clock));
    }

    /** When the task asked for the compute thread, and the GPU Spark gave it. */
    private record Start(long askedNanos, Integer gpu) {}

    /** A cancelled round (timeout, shutdown) stops between steps; a test's fault hook may hold a step. */
    private StepHooks hooks(TaskContext task, int worker, RoundPlan plan) {
        StepHooks hooks = task == null ? StepHooks.NONE : StepHooks.beforeEach(step -> task.killTaskIfInterrupted());
        FaultInjection injected = FaultInjection.fromEnvironment();
        if (injected != null) {
            long first = plan.firstStep(worker);
            int round = plan.round;
            String executor = TaskResources.executorId();
            hooks = hooks.andThen(StepHooks.beforeEach(
                    step -> injected.beforeStep(worker, round, (int) (step - first) + 1, executor)));
        }
        return hooks;
    }

    /** On the compute thread: check the state out, take the steps, measure Δ, commit, report. */
    private WorkerUpdate train(Shard shard, float[] theta, RoundPlan plan, Start start, StepHooks hooks,
            WorkerClock clock) throws IOException {
        double waited = (System.nanoTime() - start.askedNanos()) / 1e9;
        long startMs = System.currentTimeMillis();
        PartClock part = new PartClock();
        Engine engine = Engines.start(TaskResources.threads(settings.compute().threads()),
                settings.compute().matmulKernels());
        DeviceChoice choice = Engines.choose(engine, settings.compute().device(), start.gpu());
        Device device = Engines.device(choice);
        double secEngine = part.lap();
        int worker = shard.worker();
        ParamLayout layout = new Gpt(model).layout();
        WorkerStates.Checkout checkout = states.checkout(worker, plan.previousRound(worker), plan.checkpointRound,
                layout, Engines.longLivedManager(engine, device));
        WorkerState state = checkout.state();
        double secCheckout = part.lap();
        boolean fromOwn = plan.continuesFromOwnParameters(worker) && state.ownParameters() != null;
        boolean committed = false;
        try (NDManager manager = engine.newBaseManager(device)) {
            FlatParameters params = FlatParameters.of(layout, fromOwn ? state.ownParameters() : theta, manager);
            double secUpload = part.lap();
            InnerResult steps = steps(params, state, shard, plan, hooks);
            double secSteps = part.lap();
            float[] local = params.toHost();
            float[] delta = outerGradient(theta, local);
            double norm = norm(delta);
            String rejected = rejection(norm, steps.lossSum());
            boolean dropped = rejected == null && plan.isDropped(worker, plan.round);
            float weight = weight(steps.steps(), plan);
            EncodedDelta sent = dropped || rejected != null ? null : encode(scaled(delta, weight), worker, plan.round);
            double secDelta = part.lap();
            // a rejected worker's state is suspect: it is not kept; a kept one is the states' from here on,
            // even if writing it fails
            committed = rejected == null;
            double secSync = committed ? states.commit(worker, plan.previousRound(worker), plan.round,
                    state.withOwnParameters(dropped ? local : null), layout) : 0;
            WorkerReport.Parts parts = new WorkerReport.Parts(secEngine, secCheckout, secUpload, secSteps, secDelta,
                    part.lap());
            WorkerReport report = new WorkerReport(worker, plan.round, training(steps, norm, weight), checkout.source(),
                    placement(device, choice, start.gpu()),
                    new WorkerReport.Timing(startMs, System.currentTimeMillis(), waited, secSync, clock.seconds(), parts),
                    new WorkerReport.Outcome(dropped, fromOwn, rejected));
            return new WorkerUpdate(sent, report);
        } finally {
            if (!committed) {
                state.close();
            }
        }
    }

    /** Wall seconds since the last lap. */
    private static final class PartClock {
        private long last = System.nanoTime();

        double lap() {
            long now = System.nanoTime();
            double sec = (now - last) / 1e9;
            last = now;
            return sec;
        }
    }

    /** The round's planned steps (fewer at a deadline), on this worker's batches. */
    private InnerResult steps(FlatParameters params, WorkerState state, Shard shard, RoundPlan plan, StepHooks hooks) {
        BatchSource batches = BatchSampler.of(shard, inner.seed(), inner.batchSize(), model.context());
        int worker = shard.worker();
        return new InnerTrainer(model, inner).train(params, state.optimizer(), batches, plan.firstStep(worker),
                plan.innerSteps(worker), hooks);
    }

    /**
     * The factor of this worker's Δ in the sum: 1 for the mean; with {@code --merge tokens} its steps
     * ÷ the most any worker was planned to take (exactly 1 when it took them all, so equal tokens
     * sum exactly as the mean does). The driver divides the sum by the sum of the factors.
     */
    private float weight(int steps, RoundPlan plan) {
        return settings.pacing().merge() == MergeRule.TOKENS ? (float) steps / plan.mostInnerSteps() : 1f;
    }

    private static float[] scaled(float[] delta, float weight) {
        if (weight != 1f) {
            for (int i = 0; i < delta.length; i++) {
                delta[i] *= weight;
            }
        }
        return delta;
    }

    /** The outer gradient Δᵢ = θ − θᵢ: OLD (global) minus NEW, the paper's sign. */
    static float[] outerGradient(float[] theta, float[] local) {
        float[] delta = new float[theta.length];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = theta[i] - local[i];
        }
        return delta;
    }

    static double norm(float[] v) {
        double sq = 0;
        for (float x : v) {
            sq += (double) x * x;
        }
        return Math.sqrt(sq);
    }

    /** Why Δ must not be averaged (non-finite, over --max-outer-grad-norm), or null. */
    private String rejection(double norm, double lossSum) {
        double maxNorm = settings.faults().maxOuterGradNorm();
        if (!Double.isFinite(norm) || !Double.isFinite(lossSum)) {
            return "non-finite";
        }
        return maxNorm > 0 && norm > maxNorm
                ? String.format(Locale.ROOT, "norm %.4g > --max-outer-grad-norm %s", norm, maxNorm) : null;
    }

    private WorkerReport.Training training(InnerResult steps, double deltaNorm, float weight) {
        long tokens = (long) steps.steps() * inner.batchSize() * model.context();
        return new WorkerReport.Training(tokens, steps.steps(), steps.meanLoss(), deltaNorm, steps.lrEnd(), weight);
    }

    private static WorkerReport.Placement placement(Device device, DeviceChoice choice, Integer gpu) {
        return new WorkerReport.Placement(TaskResources.executorId(), TaskResources.executorHost(), device.toString(),
                Engines.threads(), BuildInfo.mklFastPaths(), Engines.matmulKernels(), gpu, choice.note());
    }

    /** Δᵢ as it leaves the task; stochastic rounding seeded by (seed, worker, round). */
    private EncodedDelta encode(float[] delta, int worker, int round) {
        long seed = Hashing.mix(inner.seed(), worker, round, ROUNDING_STREAM);
        return settings.communication().encoding().encode(delta, seed);
    }
}
