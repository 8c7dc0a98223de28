package diloco;

import diloco.checkpoint.Checkpoints;
import diloco.checkpoint.FileEntry;
import diloco.checkpoint.Resume;
import diloco.checkpoint.StateFiles;
import diloco.config.TrainConfig;
import diloco.config.UserError;
import diloco.data.TrainingData;
import diloco.io.BuildInfo;
import diloco.io.HadoopConf;
import diloco.io.HadoopFiles;
import diloco.io.RunOutput;
import diloco.io.SafeTensors;
import diloco.model.Gpt;
import diloco.optim.OuterLrSchedule;
import diloco.optim.OuterOptimizer;
import diloco.spark.ResourceCheck;
import diloco.spark.SparkWorkerPool;
import diloco.worker.InnerLoop;
import diloco.worker.StateSource;
import diloco.worker.WorkerReport;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * A whole DiLoCo run on Spark: checks, data, R rounds of {@link DiLoCoRound}, validation,
 * metrics, checkpoints and the final model. Everything that can fail on bad input fails before
 * anything is written to {@code --out}; a stop request (SIGTERM) ends the run at a checkpoint.
 */
public final class DiLoCoTrainer {
    private final SparkSession spark;
    private final TrainConfig requested;
    private final PrintStream log;
    private final StopSignal stop;

    public DiLoCoTrainer(SparkSession spark, TrainConfig cfg, PrintStream log) {
        this(spark, cfg, log, StopSignal.none());
    }

    public DiLoCoTrainer(SparkSession spark, TrainConfig cfg, PrintStream log, StopSignal stop) {
        this.spark = spark;
        this.requested = cfg;
        this.log = log;
        this.stop = stop;
    }

    /** The final state of a run. */
    public static final class Result {
        public final float[] theta;
        public final Double initialValLoss;
        public final Double finalValLoss;
        public final List<Map<String, Object>> metrics;
        /** The run stopped early on request, at a checkpoint of round {@link #rounds}. */
        public final boolean stopped;
        public final int rounds;

        Result(float[] theta, RunState state, boolean stopped) {
            this.theta = theta;
            this.initialValLoss = state.initialValLoss;
            this.finalValLoss = state.lastValLoss;
            this.metrics = state.metrics;
            this.stopped = stopped;
            this.rounds = state.round;
        }
    }

    public Result run() throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        UserError.check(!sc.getConf().getBoolean("spark.speculation", false),
                "DiLoCo needs spark.speculation=false: a speculative copy of a worker's task would take its inner steps twice");
        boolean resuming = requested.resume || requested.resumeIfPresent;
        RunOutput out = RunOutput.check(sc.hadoopConfiguration(), requested.out, requested.overwrite || resuming);
        Path outDir = qualified(sc, requested.out);
        Gpt model = new Gpt(requested.model);
        int parameters = model.layout().size();
        ResourceCheck.check(sc, parameters, requested.workers, requested.aggregationDepth);
        Checkpoints checkpoints = new Checkpoints(sc.hadoopConfiguration(), outDir);
        Checkpoints.Loaded resumeFrom = findCheckpoint(checkpoints, model);
        List<String> notes = new ArrayList<>();
        TrainConfig cfg = resumeFrom == null ? requested
                : Resume.reconcile(requested, resumeFrom.state, resumeFrom.round, notes);
        float[] theta = resumeFrom == null ? initialParameters(sc, model) : resumeFrom.theta;
        say("model %s: %,d parameters; each outer gradient is %.2f MiB", cfg.model, parameters, parameters * 4 / 1048576.0);

        long started = System.nanoTime();
        TrainingData data = TrainingData.prepare(spark, cfg);
        try {
            if (resumeFrom != null) {
                Object stored = ((Map<?, ?>) resumeFrom.state.get("data")).get("fingerprint");
                UserError.check(data.stats.fingerprint.equals(stored),
                        "--resume: the data changed since the checkpoint (fingerprint %s, the checkpoint has %s)",
                        data.stats.fingerprint, stored);
            }
            say("data %s: %,d documents, %,d tokens (validation: %,d documents, %d windows); fingerprint %s",
                    cfg.dataPath, data.stats.documents, data.stats.tokens, data.stats.valDocuments,
                    data.validation.length, data.stats.fingerprint);
            say("workers %d (tokens per worker %s), H=%d inner steps, %d rounds, %s outer lr %s (%s) momentum %s",
                    cfg.workers, java.util.Arrays.toString(data.stats.workerTokens), cfg.innerSteps, cfg.rounds,
                    cfg.outerOptimizer.name().toLowerCase(Locale.ROOT), cfg.outerLr, cfg.outerLrSchedule,
                    cfg.outerMomentum);
            notes.forEach(n -> say("%s", n));
            out.create(resumeFrom == null);
            String runId = UUID.randomUUID().toString();
            Map<String, Object> runInfo = runInfo(sc, cfg, parameters, data, runId, resumeFrom);
            out.writeRunJson(runInfo);
            OuterOptimizer outer = OuterOptimizer.create(cfg, theta.length);
            RunState state = new RunState(cfg.workers);
            if (resumeFrom != null) {
                outer.load(resumeFrom.outer);
                state = RunState.fromMap(resumeFrom.state, cfg.workers);
                out.restoreMetrics(state.metrics);
                say("resumed from %s: round %d of %d", resumeFrom.dir, resumeFrom.round, cfg.rounds);
            }
            StateFiles files = new StateFiles(new HadoopConf(sc.hadoopConfiguration()), outDir.toString());
            return new Loop(sc, cfg, model, theta, outer, state, data, out, checkpoints, files, runInfo, runId, started,
                    resumeFrom == null ? 0 : resumeFrom.round).run();
        } finally {
            data.release();
        }
    }

    /** The rounds of one run, with what they share. */
    private final class Loop {
        final JavaSparkContext sc;
        final TrainConfig cfg;
        final Gpt model;
        final float[] theta;
        final OuterOptimizer outer;
        final RunState state;
        final TrainingData data;
        final RunOutput out;
        final Checkpoints checkpoints;
        final StateFiles files;
        final Map<String, Object> runInfo;
        final String runId;
        final long started;
        int checkpointRound;

        Loop(JavaSparkContext sc, TrainConfig cfg, Gpt model, float[] theta, OuterOptimizer outer, RunState state,
                TrainingData data, RunOutput out, Checkpoints checkpoints, StateFiles files, Map<String, Object> runInfo,
                String runId, long started, int checkpointRound) {
            this.sc = sc;
            this.cfg = cfg;
            this.model = model;
            this.theta = theta;
            this.outer = outer;
            this.state = state;
            this.data = data;
            this.out = out;
            this.checkpoints = checkpoints;
            this.files = files;
            this.runInfo = runInfo;
            this.runId = runId;
            this.started = started;
            this.checkpointRound = checkpointRound;
        }

        Result run() throws IOException {
            PoolSchedule pool = cfg.poolSchedule == null ? PoolSchedule.all(cfg.workers)
                    : PoolSchedule.parse(cfg.poolSchedule, cfg.workers);
            boolean validates = data.validation.length > 0;
            try (WorkerPool workers = new SparkWorkerPool(sc, data, cfg, runId, files)) {
                DiLoCoRound round = new DiLoCoRound(workers, outer,
                        OuterLrSchedule.parse(cfg.outerLrSchedule, cfg.outerLr, cfg.rounds));
                if (validates && state.round == 0) {
                    state.initialValLoss = validationLoss(workers);
                    say("round 0/%d | val loss %.4f ppl %.2f (initial model)", cfg.rounds, state.initialValLoss,
                            Math.exp(state.initialValLoss));
                }
                long trainStart = System.nanoTime();
                int firstRound = state.round + 1;
                for (int r = firstRound; r <= cfg.rounds; r++) {
                    long t0 = System.nanoTime();
                    boolean[] active = new boolean[cfg.workers];
                    for (int w = 0; w < pool.active(r, cfg.rounds); w++) {
                        active[w] = true;
                    }
                    RoundPlan plan = new RoundPlan(r, active, state.lastActive, cfg.seed, cfg.dropProbability,
                            checkpointRound);
                    DiLoCoRound.Result res = runRound(round, plan);
                    if (res == null) { // abandoned for a stop request: keep what the last round achieved
                        return stopAt(workers, r - 1);
                    }
                    afterRound(plan, res);
                    double secEval = 0;
                    Double val = null;
                    if (validates && (r == cfg.rounds || (cfg.evalEvery > 0 && r % cfg.evalEvery == 0))) {
                        long e0 = System.nanoTime();
                        val = validationLoss(workers);
                        state.lastValLoss = val;
                        secEval = (System.nanoTime() - e0) / 1e9;
                    }
                    Map<String, Object> line = metricsLine(r, res, val, secEval, (System.nanoTime() - t0) / 1e9);
                    state.tokensTotal += (Long) line.get("tokens");
                    line.put("tokens_total", state.tokensTotal);
                    state.metrics.add(line);
                    state.round = r;
                    out.appendMetrics(line);
                    progress(r, line, (System.nanoTime() - trainStart) / 1e9, r - firstRound + 1);
                    if (r == cfg.rounds || (cfg.checkpointEvery > 0 && r % cfg.checkpointEvery == 0)) {
                        checkpoint(workers, r);
                    }
                    if (stop.requested() && r < cfg.rounds) {
                        return stopAt(workers, r);
                    }
                }
                finish();
            }
            return new Result(theta, state, false);
        }

        /**
         * One round, cancelled past --round-timeout (then retried, or dropped with
         * --on-worker-failure drop) or past --shutdown-grace after a stop request (then null).
         */
        DiLoCoRound.Result runRound(DiLoCoRound round, RoundPlan plan) {
            for (int attempt = 1; ; attempt++) {
                RoundWatch watch = new RoundWatch(sc, SparkWorkerPool.jobGroup(plan.round), cfg.roundTimeout, stop,
                        cfg.shutdownGrace);
                try {
                    return round.run(theta, plan);
                } catch (Exception e) { // Spark's exceptions are checked in Java's eyes
                    RoundWatch.Reason why = watch.reason();
                    if (why == RoundWatch.Reason.STOP) {
                        say("round %d abandoned: still running %.0f s after the stop request (--shutdown-grace)",
                                plan.round, cfg.shutdownGrace);
                        return null;
                    }
                    if (why != RoundWatch.Reason.TIMEOUT) {
                        throw e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e.getMessage(), e);
                    }
                    if (cfg.onWorkerFailure == TrainConfig.OnWorkerFailure.DROP) {
                        say("warning: round %d exceeded --round-timeout %.0f s: dropped (θ unchanged)", plan.round,
                                cfg.roundTimeout);
                        return DiLoCoRound.Result.nothingArrived();
                    }
                    if (attempt >= cfg.taskMaxFailures) {
                        throw new IllegalStateException(String.format(Locale.ROOT,
                                "round %d exceeded --round-timeout %.0f s on %d attempts: a worker is stuck; rerun with "
                                        + "--resume, or pass --on-worker-failure drop to go on without it",
                                plan.round, cfg.roundTimeout, attempt));
                    }
                    say("warning: round %d exceeded --round-timeout %.0f s: retrying (attempt %d of %d)", plan.round,
                            cfg.roundTimeout, attempt + 1, cfg.taskMaxFailures);
                } finally {
                    watch.close();
                }
            }
        }

        /** Bookkeeping of a finished round: who advanced, rejected outer gradients, bad-round guard. */
        void afterRound(RoundPlan plan, DiLoCoRound.Result res) {
            int rejected = 0;
            for (WorkerReport w : res.inner.reports) {
                if (w.rejected == null) {
                    state.lastActive[w.worker] = plan.round;
                } else {
                    rejected++;
                    say("warning: round %d: worker %d's outer gradient excluded (%s)", plan.round, w.worker, w.rejected);
                }
                if (plan.previousRound(w.worker) > 0 && w.stateSource.kind == StateSource.Kind.FRESH && w.rejected == null) {
                    say("warning: worker %d restarted round %d with fresh AdamW moments: its state from round %d was "
                            + "neither on executor %s nor on disk", w.worker, w.round, plan.previousRound(w.worker), w.executor);
                }
            }
            boolean bad = res.inner.received == 0 && rejected > 0;
            state.consecutiveBadRounds = bad ? state.consecutiveBadRounds + 1 : 0;
            if (state.consecutiveBadRounds >= cfg.maxBadRounds) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%d consecutive rounds in which every outer gradient was rejected (non-finite or over "
                                + "--max-outer-grad-norm): training diverged; lower --inner-lr or resume from an earlier checkpoint",
                        state.consecutiveBadRounds));
            }
        }

        /** Writes a checkpoint of round r: the workers' states (a Spark job), then θ, outer state, manifest. */
        void checkpoint(WorkerPool workers, int r) {
            if (checkpointRound == r) {
                return;
            }
            long t0 = System.nanoTime();
            try {
                Path dir = checkpoints.roundDir(r);
                List<FileEntry> workerFiles = workers.saveStates(state.lastActive, checkpointRound, dir);
                Map<String, Object> st = state.toMap();
                st.put("config", cfg.toMap());
                st.put("data", data.stats.toMap());
                st.put("run_id", runId);
                checkpoints.commit(r, model.layout(), theta, outer, st, workerFiles);
                checkpoints.prune(cfg.keepCheckpoints);
                checkpointRound = r;
                say("checkpoint round %d: %s (%.1f s)", r, dir, (System.nanoTime() - t0) / 1e9);
            } catch (Exception e) { // also Spark's SparkException, which Scala throws unchecked
                say("warning: checkpoint of round %d failed, the previous one (round %d) stays: %s", r, checkpointRound,
                        String.valueOf(e.getMessage()).split("\n")[0]);
            }
        }

        Result stopAt(WorkerPool workers, int r) {
            if (r > 0) {
                checkpoint(workers, r);
            }
            say("stopped on request after round %d; checkpoint round %d in %s; rerun with --resume to continue",
                    r, checkpointRound, out.dir());
            return new Result(theta, state, true);
        }

        void finish() throws IOException {
            runInfo.put("initial_val_loss", state.initialValLoss);
            runInfo.put("final_val_loss", state.lastValLoss);
            runInfo.put("final_val_ppl", state.lastValLoss == null ? null : Math.exp(state.lastValLoss));
            runInfo.put("sec_total", (System.nanoTime() - started) / 1e9);
            runInfo.put("finished_at", Instant.now().toString());
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("run_id", runId);
            meta.put("rounds", Integer.toString(cfg.rounds));
            meta.put("data_fingerprint", data.stats.fingerprint);
            out.writeModel(model.layout(), theta, cfg.model, meta);
            out.writeRunJson(runInfo);
            say("done: model and metrics in %s", out.dir());
        }

        double validationLoss(WorkerPool workers) {
            double[] nll = workers.validate(theta);
            return nll[0] / nll[1];
        }

        Map<String, Object> metricsLine(int r, DiLoCoRound.Result res, Double val, double secEval, double secRound) {
            InnerRound in = res.inner;
            long tokens = 0;
            double loss = 0;
            int counted = 0;
            double innerMax = 0;
            double innerSum = 0;
            double syncMax = 0;
            int reused = 0;
            int dropped = 0;
            int rejected = 0;
            List<Map<String, Object>> sources = new ArrayList<>();
            for (WorkerReport w : in.reports) {
                tokens += w.tokens;
                if (Double.isFinite(w.meanLoss)) {
                    loss += w.meanLoss;
                    counted++;
                }
                innerMax = Math.max(innerMax, w.secInner());
                innerSum += w.secInner();
                syncMax = Math.max(syncMax, w.secStateSync);
                reused += w.stateSource.kind == StateSource.Kind.MEMORY ? 1 : 0;
                dropped += w.dropped ? 1 : 0;
                rejected += w.rejected != null ? 1 : 0;
                Map<String, Object> src = w.stateSource.toMap(w.worker);
                src.put("start", w.startedFromOwn ? "own" : "global");
                src.put("dropped", w.dropped);
                src.put("executor", w.executor);
                if (w.rejected != null) {
                    src.put("rejected", w.rejected);
                }
                sources.add(src);
            }
            int n = in.reports.size();
            long p = model.layout().size();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("round", r);
            m.put("workers", n);
            m.put("deltas_received", in.received);
            m.put("deltas_dropped", dropped);
            m.put("deltas_rejected", rejected);
            m.put("tokens", tokens);
            m.put("inner_loss", counted == 0 ? null : loss / counted);
            m.put("val_loss", val);
            m.put("val_ppl", val == null ? null : Math.exp(val));
            m.put("val_bits_per_byte", val == null ? null : val / Math.log(2));
            m.put("inner_lr_end", InnerLoop.schedule(cfg).at((long) r * cfg.innerSteps - 1));
            m.put("outer_grad_norm", Double.isNaN(res.outerGradNorm) ? null : res.outerGradNorm);
            m.put("outer_lr", Float.isNaN(res.outerLr) ? null : (double) res.outerLr);
            m.put("sec_broadcast", in.secBroadcast);
            m.put("sec_inner_max", innerMax);
            m.put("sec_inner_mean", n == 0 ? 0 : innerSum / n);
            m.put("sec_state_sync", syncMax);
            m.put("sec_aggregate", in.secAggregate());
            m.put("sec_outer", res.secOuter);
            m.put("sec_eval", secEval);
            m.put("sec_round", secRound);
            m.put("bytes_up", 4L * p * in.received);
            m.put("bytes_down", 4L * p * n);
            m.put("state_reused", reused);
            m.put("state_source", sources);
            return m;
        }

        void progress(int r, Map<String, Object> m, double elapsed, int roundsDone) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "round %d/%d | inner loss %s", r, cfg.rounds,
                    m.get("inner_loss") == null ? "n/a" : String.format(Locale.ROOT, "%.4f", (Double) m.get("inner_loss"))));
            if (m.get("val_loss") != null) {
                sb.append(String.format(Locale.ROOT, " | val loss %.4f ppl %.2f", (Double) m.get("val_loss"),
                        (Double) m.get("val_ppl")));
            }
            double tokPerSec = (Long) m.get("tokens") / (Double) m.get("sec_round");
            double eta = elapsed / roundsDone * (cfg.rounds - r);
            sb.append(String.format(Locale.ROOT, " | %,.0f tok/s | elapsed %s | ETA %s", tokPerSec, clock(elapsed),
                    clock(eta)));
            say("%s", sb);
        }
    }

    /** The checkpoint to resume from, per --resume / --resume-if-present; verified. */
    private Checkpoints.Loaded findCheckpoint(Checkpoints checkpoints, Gpt model) throws IOException {
        if (!requested.resume && !requested.resumeIfPresent) {
            return null;
        }
        java.util.TreeSet<Integer> rounds = checkpoints.completeRounds();
        if (rounds.isEmpty()) {
            UserError.check(!requested.resume,
                    "--resume: no complete checkpoint in %s/checkpoints (start without --resume, or use --resume-if-present)",
                    requested.out);
            say("no checkpoint in %s: starting from the beginning (--resume-if-present)", requested.out);
            return null;
        }
        return checkpoints.load(rounds.last(), model.layout());
    }

    /** θ₀: the seeded GPT-2 initialisation, or the parameters of --init-from. */
    private float[] initialParameters(JavaSparkContext sc, Gpt model) {
        if (requested.initFrom == null) {
            return model.initialParameters(requested.seed);
        }
        try {
            byte[] file = new HadoopFiles(sc.hadoopConfiguration()).read(new Path(requested.initFrom));
            float[] theta = SafeTensors.read(file).flatten(model.layout());
            say("initial parameters from %s", requested.initFrom);
            return theta;
        } catch (IOException e) {
            throw new UserError("--init-from " + requested.initFrom + ": " + e.getMessage());
        }
    }

    /**
     * The output directory as a full URI, the same for driver and executors. A {@code file://}
     * directory on a cluster would scatter the workers' state files over the executors' own disks,
     * so it is refused unless --shared-local-fs says the path is shared (NFS, or one machine).
     */
    private Path qualified(JavaSparkContext sc, String out) throws IOException {
        Path p = new Path(out);
        Path q = p.getFileSystem(sc.hadoopConfiguration()).makeQualified(p);
        boolean oneMachine = sc.sc().isLocal() || sc.master().startsWith("local-cluster");
        UserError.check(!"file".equals(q.toUri().getScheme()) || oneMachine || requested.sharedLocalFs,
                "--out %s is on the local file system but the master is %s: workers write their states there, so use "
                        + "a shared file system (hdfs://, s3a://), or pass --shared-local-fs if every executor sees this path",
                out, sc.master());
        return q;
    }

    private Map<String, Object> runInfo(JavaSparkContext sc, TrainConfig cfg, int parameters, TrainingData data,
            String runId, Checkpoints.Loaded resumeFrom) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", runId);
        m.put("started_at", Instant.now().toString());
        m.put("resumed_from", resumeFrom == null ? null : resumeFrom.dir.toString());
        m.put("config", cfg.toMap());
        m.put("parameters", parameters);
        m.put("data", data.stats.toMap());
        m.put("build", BuildInfo.describe(sc.version()));
        Map<String, Object> spk = new LinkedHashMap<>();
        spk.put("master", sc.master());
        spk.put("app_id", sc.sc().applicationId());
        spk.put("default_parallelism", sc.defaultParallelism());
        m.put("spark", spk);
        return m;
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }

    private void say(String format, Object... args) {
        log.println("[diloco] " + String.format(Locale.ROOT, format, args));
        log.flush();
    }
}
