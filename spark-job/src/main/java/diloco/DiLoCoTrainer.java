package diloco;

import diloco.config.TrainConfig;
import diloco.config.UserError;
import diloco.data.TrainingData;
import diloco.io.BuildInfo;
import diloco.io.RunOutput;
import diloco.model.Gpt;
import diloco.optim.OuterOptimizer;
import diloco.spark.ResourceCheck;
import diloco.spark.SparkWorkerPool;
import diloco.worker.InnerLoop;
import diloco.worker.StateSource;
import diloco.worker.WorkerReport;

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
 * metrics and the final model. Everything that can fail on bad input fails before anything is
 * written to {@code --out}.
 */
public final class DiLoCoTrainer {
    private final SparkSession spark;
    private final TrainConfig cfg;
    private final PrintStream log;

    public DiLoCoTrainer(SparkSession spark, TrainConfig cfg, PrintStream log) {
        this.spark = spark;
        this.cfg = cfg;
        this.log = log;
    }

    /** The final state of a run. */
    public static final class Result {
        public final float[] theta;
        public final Double initialValLoss;
        public final Double finalValLoss;
        public final List<Map<String, Object>> metrics;

        Result(float[] theta, Double initialValLoss, Double finalValLoss, List<Map<String, Object>> metrics) {
            this.theta = theta;
            this.initialValLoss = initialValLoss;
            this.finalValLoss = finalValLoss;
            this.metrics = metrics;
        }
    }

    public Result run() throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        UserError.check(!sc.getConf().getBoolean("spark.speculation", false),
                "DiLoCo needs spark.speculation=false: a speculative copy of a worker's task would take its inner steps twice");
        RunOutput out = RunOutput.check(sc.hadoopConfiguration(), cfg.out, cfg.overwrite);
        Gpt model = new Gpt(cfg.model);
        int parameters = model.layout().size();
        ResourceCheck.check(sc, parameters, cfg.workers, cfg.aggregationDepth);
        float[] theta = initialParameters(sc, model);
        say("model %s: %,d parameters; each outer gradient is %.2f MiB", cfg.model, parameters, parameters * 4 / 1048576.0);

        long started = System.nanoTime();
        TrainingData data = TrainingData.prepare(spark, cfg);
        try {
            say("data %s: %,d documents, %,d tokens (validation: %,d documents, %d windows); fingerprint %s",
                    cfg.dataPath, data.stats.documents, data.stats.tokens, data.stats.valDocuments,
                    data.validation.length, data.stats.fingerprint);
            say("workers %d (tokens per worker %s), H=%d inner steps, %d rounds, %s outer lr %s momentum %s",
                    cfg.workers, java.util.Arrays.toString(data.stats.workerTokens), cfg.innerSteps, cfg.rounds,
                    cfg.outerOptimizer.name().toLowerCase(Locale.ROOT), cfg.outerLr, cfg.outerMomentum);
            out.create();
            String runId = UUID.randomUUID().toString();
            Map<String, Object> runInfo = runInfo(sc, parameters, data, runId);
            out.writeRunJson(runInfo);
            return train(sc, model, theta, data, out, runInfo, runId, started);
        } finally {
            data.release();
        }
    }

    private Result train(JavaSparkContext sc, Gpt model, float[] theta, TrainingData data, RunOutput out,
            Map<String, Object> runInfo, String runId, long started) throws IOException {
        OuterOptimizer outer = OuterOptimizer.create(cfg, theta.length);
        PoolSchedule pool = cfg.poolSchedule == null ? PoolSchedule.all(cfg.workers)
                : PoolSchedule.parse(cfg.poolSchedule, cfg.workers);
        int[] lastActive = new int[cfg.workers];
        boolean validates = data.validation.length > 0;
        List<Map<String, Object>> metrics = new ArrayList<>();
        Double initialVal = null;
        Double lastVal = null;
        try (WorkerPool workers = new SparkWorkerPool(sc, data, cfg, runId)) {
            DiLoCoRound round = new DiLoCoRound(workers, outer);
            if (validates) {
                initialVal = validationLoss(workers, theta);
                say("round 0/%d | val loss %.4f ppl %.2f (initial model)", cfg.rounds, initialVal, Math.exp(initialVal));
            }
            long trainStart = System.nanoTime();
            long tokensTotal = 0;
            for (int r = 1; r <= cfg.rounds; r++) {
                long t0 = System.nanoTime();
                boolean[] active = new boolean[cfg.workers];
                int n = pool.active(r, cfg.rounds);
                for (int w = 0; w < n; w++) {
                    active[w] = true;
                }
                RoundPlan plan = new RoundPlan(r, active, lastActive, cfg.seed, cfg.dropProbability);
                DiLoCoRound.Result res = round.run(theta, plan);
                for (int w = 0; w < n; w++) {
                    lastActive[w] = r;
                }
                double secEval = 0;
                Double val = null;
                if (validates && (r == cfg.rounds || (cfg.evalEvery > 0 && r % cfg.evalEvery == 0))) {
                    long e0 = System.nanoTime();
                    val = validationLoss(workers, theta);
                    lastVal = val;
                    secEval = (System.nanoTime() - e0) / 1e9;
                }
                double secRound = (System.nanoTime() - t0) / 1e9;
                Map<String, Object> line = metricsLine(r, res, val, secEval, secRound, theta.length);
                tokensTotal += (Long) line.get("tokens");
                line.put("tokens_total", tokensTotal);
                metrics.add(line);
                out.appendMetrics(line);
                progress(r, line, (System.nanoTime() - trainStart) / 1e9);
                warnLostStates(res.inner, plan);
            }
            runInfo.put("initial_val_loss", initialVal);
            runInfo.put("final_val_loss", lastVal);
            runInfo.put("final_val_ppl", lastVal == null ? null : Math.exp(lastVal));
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
        return new Result(theta, initialVal, lastVal, metrics);
    }

    private double validationLoss(WorkerPool workers, float[] theta) {
        double[] nll = workers.validate(theta);
        return nll[0] / nll[1];
    }

    /** θ₀: the seeded GPT-2 initialisation, or the parameters of --init-from. */
    private float[] initialParameters(JavaSparkContext sc, Gpt model) {
        if (cfg.initFrom == null) {
            return model.initialParameters(cfg.seed);
        }
        try {
            byte[] file = new diloco.io.HadoopFiles(sc.hadoopConfiguration()).read(new org.apache.hadoop.fs.Path(cfg.initFrom));
            float[] theta = diloco.io.SafeTensors.read(file).flatten(model.layout());
            say("initial parameters from %s", cfg.initFrom);
            return theta;
        } catch (IOException e) {
            throw new UserError("--init-from " + cfg.initFrom + ": " + e.getMessage());
        }
    }

    private Map<String, Object> metricsLine(int r, DiLoCoRound.Result res, Double val, double secEval, double secRound,
            int parameters) {
        InnerRound in = res.inner;
        long tokens = 0;
        double loss = 0;
        double innerMax = 0;
        double innerSum = 0;
        int reused = 0;
        int dropped = 0;
        List<Map<String, Object>> sources = new ArrayList<>();
        for (WorkerReport w : in.reports) {
            tokens += w.tokens;
            loss += w.meanLoss;
            innerMax = Math.max(innerMax, w.secInner());
            innerSum += w.secInner();
            reused += w.stateSource.kind == StateSource.Kind.MEMORY ? 1 : 0;
            dropped += w.dropped ? 1 : 0;
            Map<String, Object> src = w.stateSource.toMap(w.worker);
            src.put("start", w.startedFromOwn ? "own" : "global");
            src.put("dropped", w.dropped);
            sources.add(src);
        }
        int n = in.reports.size();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("round", r);
        m.put("workers", n);
        m.put("deltas_received", in.received);
        m.put("deltas_dropped", dropped);
        m.put("tokens", tokens);
        m.put("inner_loss", n == 0 ? null : loss / n);
        m.put("val_loss", val);
        m.put("val_ppl", val == null ? null : Math.exp(val));
        m.put("val_bits_per_byte", val == null ? null : val / Math.log(2));
        m.put("inner_lr_end", InnerLoop.schedule(cfg).at((long) r * cfg.innerSteps - 1));
        m.put("outer_grad_norm", Double.isNaN(res.outerGradNorm) ? null : res.outerGradNorm);
        m.put("sec_broadcast", in.secBroadcast);
        m.put("sec_inner_max", innerMax);
        m.put("sec_inner_mean", n == 0 ? 0 : innerSum / n);
        m.put("sec_aggregate", in.secAggregate());
        m.put("sec_outer", res.secOuter);
        m.put("sec_eval", secEval);
        m.put("sec_round", secRound);
        m.put("bytes_up", 4L * parameters * in.received);
        m.put("bytes_down", 4L * parameters * n);
        m.put("state_reused", reused);
        m.put("state_source", sources);
        return m;
    }

    private void progress(int r, Map<String, Object> m, double elapsed) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "round %d/%d | inner loss %.4f", r, cfg.rounds,
                (Double) m.get("inner_loss")));
        if (m.get("val_loss") != null) {
            sb.append(String.format(Locale.ROOT, " | val loss %.4f ppl %.2f", (Double) m.get("val_loss"),
                    (Double) m.get("val_ppl")));
        }
        double tokPerSec = (Long) m.get("tokens") / (Double) m.get("sec_round");
        double eta = elapsed / r * (cfg.rounds - r);
        sb.append(String.format(Locale.ROOT, " | %,.0f tok/s | elapsed %s | ETA %s", tokPerSec, clock(elapsed), clock(eta)));
        say("%s", sb);
    }

    private void warnLostStates(InnerRound in, RoundPlan plan) {
        for (WorkerReport w : in.reports) {
            int previous = plan.previousRound(w.worker);
            if (previous > 0 && w.stateSource.kind == StateSource.Kind.FRESH) {
                say("warning: worker %d restarted round %d with fresh AdamW moments: its state from round %d was not on executor %s",
                        w.worker, w.round, previous, w.executor);
            }
        }
    }

    private Map<String, Object> runInfo(JavaSparkContext sc, int parameters, TrainingData data, String runId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", runId);
        m.put("started_at", Instant.now().toString());
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
