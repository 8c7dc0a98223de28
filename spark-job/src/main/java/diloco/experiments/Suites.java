package diloco.experiments;

import static diloco.config.Options.BATCH_SIZE;
import static diloco.config.Options.CLOCK;
import static diloco.config.Options.DROP_PROBABILITY;
import static diloco.config.Options.INNER_LR;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.INNER_STEPS_BY;
import static diloco.config.Options.MERGE;
import static diloco.config.Options.OUTER_EPS;
import static diloco.config.Options.OUTER_GRAD_DTYPE;
import static diloco.config.Options.OUTER_GRAD_PRUNE;
import static diloco.config.Options.OUTER_LR;
import static diloco.config.Options.OUTER_MOMENTUM;
import static diloco.config.Options.OUTER_OPTIMIZER;
import static diloco.config.Options.POOL_SCHEDULE;
import static diloco.config.Options.PRECISION;
import static diloco.config.Options.PRESET;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.ROUND_DEADLINE;
import static diloco.config.Options.SHARD_BY;
import static diloco.config.Options.SIMULATE_SLOWDOWN;
import static diloco.config.Options.SYNC;
import static diloco.config.Options.WARMUP_STEPS;
import static diloco.config.Options.WORKERS;
import static diloco.experiments.RunSpec.Setting.of;
import static diloco.experiments.RunSpec.Setting.written;

import diloco.codec.OuterGradDtype;
import diloco.engine.Precision;
import diloco.experiments.RunSpec.Communication;
import diloco.experiments.RunSpec.Setting;
import diloco.optim.OuterOptimizerKind;
import diloco.option.UserError;
import diloco.pace.ClockKind;
import diloco.pace.InnerStepsBy;
import diloco.pace.MergeRule;
import diloco.pace.Pacing;
import diloco.pace.RoundDeadline;
import diloco.pace.Slowdown;
import diloco.pace.SyncMode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The experiment suites: named lists of configurations of the same DiLoCo loop, at an equal
 * number of inner steps per worker (rounds = total / H), as in the paper's comparisons. The first
 * configuration of each suite is its baseline.
 */
public final class Suites {
    public static final List<String> NAMES = List.of("table2", "workers", "H", "outer", "drop", "pool", "compress",
            "precision", "heterogeneous", "smoke");

    /** FedAvg's outer step (SGD, lr 1, no momentum): with one worker, plain AdamW training. */
    private static final List<Setting<?>> FEDAVG = List.of(of(OUTER_OPTIMIZER, OuterOptimizerKind.SGD),
            written(OUTER_LR, "1"), written(OUTER_MOMENTUM, "0"));

    private Suites() {}

    /** Checks a suite's name, given as option {@code name}: one of {@link #NAMES}. */
    static void checkName(String name, String suite) {
        UserError.check(NAMES.contains(suite), "unknown %s '%s' (expected one of %s)", name, suite, String.join(", ", NAMES));
    }

    /**
     * Job options a suite starts from, before the user's (whose value wins where both set one):
     * the smoke suite is a check of minutes, so it trains the tiny model briefly unless told otherwise.
     */
    public static List<Setting<?>> defaults(String suite) {
        return suite.equals("smoke")
                ? List.of(of(PRESET, "tiny"), of(INNER_STEPS, 20), of(BATCH_SIZE, 8), written(INNER_LR, "3e-3"),
                        of(WARMUP_STEPS, 5))
                : List.of();
    }

    /** Inner steps per worker in each run unless --total-inner-steps says otherwise. */
    public static int defaultTotalInnerSteps(String suite) {
        return suite.equals("smoke") ? 40 : 3000;
    }

    /** What the suites are planned from. */
    public record Budget(int workers, int innerSteps, int totalInnerSteps, int batchSize, String nonIidKey) {}

    public static List<RunSpec> plan(String suite, Budget b) {
        int k = b.workers();
        int n = b.totalInnerSteps();
        List<RunSpec> runs = new ArrayList<>();
        switch (suite) {
            case "table2": {
                // the paper's Table 2 at equal inner steps: the largest H ≤ --inner-steps that gives ≥ 10 rounds
                int h = Math.max(1, Math.min(b.innerSteps(), n / 10));
                runs.add(single("1 worker", h, n, b.batchSize(), Communication.NONE, 1));
                runs.add(single("1 worker, " + k + "x batch", h, n, k * b.batchSize(), Communication.DATA_PARALLEL, k));
                runs.add(diloco("DiLoCo k=" + k + ", H=" + h, "DiLoCo", k, k, h, n));
                return runs;
            }
            case "workers":
                for (String series : new String[] {"i.i.d.", "non-i.i.d."}) {
                    // one worker sees all data either way: k=1 is only run once, as the baseline
                    for (int w = series.equals("i.i.d.") ? 1 : 2; w <= k; w *= 2) {
                        RunSpec r = diloco("k=" + w + " " + series, series, w, w, b.innerSteps(), n);
                        runs.add(series.equals("non-i.i.d.") ? r.with(List.of(of(SHARD_BY, b.nonIidKey()))) : r);
                    }
                }
                return runs;
            case "H":
                for (int h : new int[] {1, 10, 50, 200}) {
                    if (h <= n) {
                        runs.add(diloco("H=" + h, "DiLoCo k=" + k, h, k, h, n));
                    }
                }
                return runs;
            case "outer":
                runs.add(diloco("Nesterov lr 0.7 mu 0.9", "outer", Double.NaN, k, b.innerSteps(), n,
                        of(OUTER_OPTIMIZER, OuterOptimizerKind.NESTEROV), of(OUTER_LR, 0.7f), of(OUTER_MOMENTUM, 0.9f)));
                runs.add(diloco("SGD lr 1 (FedAvg)", "outer", Double.NaN, k, b.innerSteps(), n).with(FEDAVG));
                runs.add(diloco("Adam lr 0.1 eps 0.1", "outer", Double.NaN, k, b.innerSteps(), n,
                        of(OUTER_OPTIMIZER, OuterOptimizerKind.ADAM), of(OUTER_LR, 0.1f), of(OUTER_EPS, 0.1f)));
                return runs;
            case "drop":
                for (double p : new double[] {0, 0.1, 0.3, 0.5}) {
                    // written as Double.toString writes it ("0.0"), as the suite always has
                    runs.add(diloco("drop " + p, "DiLoCo k=" + k, p, k, b.innerSteps(), n,
                            written(DROP_PROBABILITY, Double.toString(p))));
                }
                return runs;
            case "pool": {
                int low = Math.max(1, k / 4);
                runs.add(diloco("constant " + Math.max(1, k / 2), "pool", Double.NaN, k, b.innerSteps(), n,
                        of(POOL_SCHEDULE, "constant:" + Math.max(1, k / 2))));
                runs.add(diloco("ramp up " + low + " to " + k, "pool", Double.NaN, k, b.innerSteps(), n,
                        of(POOL_SCHEDULE, "ramp:" + low + ":" + k)));
                runs.add(diloco("ramp down " + k + " to " + low, "pool", Double.NaN, k, b.innerSteps(), n,
                        of(POOL_SCHEDULE, "ramp:" + k + ":" + low)));
                return runs;
            }
            case "compress": // the outer gradients' number format: fp32 (as sent so far), bf16, int8; then pruned fp32
                for (OuterGradDtype dtype : List.of(OuterGradDtype.FP32, OuterGradDtype.BF16, OuterGradDtype.INT8)) {
                    Setting<OuterGradDtype> format = of(OUTER_GRAD_DTYPE, dtype);
                    runs.add(diloco("DiLoCo k=" + k + ", " + format.text(), "compress", Double.NaN, k, b.innerSteps(), n,
                            format));
                }
                for (int percent : new int[] {25, 50, 75}) {
                    runs.add(diloco("DiLoCo k=" + k + ", fp32, " + percent + "% pruned", "compress", Double.NaN, k,
                            b.innerSteps(), n, of(OUTER_GRAD_PRUNE, percent / 100.0)));
                }
                return runs;
            case "precision": // the workers' compute: fp32 (every run before --precision), bf16 under autocast
                for (Precision precision : Precision.values()) {
                    Setting<Precision> compute = of(PRECISION, precision);
                    runs.add(diloco("DiLoCo k=" + k + ", " + compute.text() + " compute", "precision", Double.NaN, k,
                            b.innerSteps(), n, compute));
                }
                return runs;
            case "heterogeneous":
                return heterogeneous(k, b.innerSteps(), n);
            case "smoke": {
                int h = Math.max(1, Math.min(b.innerSteps(), n / 2));
                runs.add(single("1 worker", h, n, b.batchSize(), Communication.NONE, 1));
                runs.add(diloco("DiLoCo k=2, H=" + h, "DiLoCo", 2, 2, h, n));
                return runs;
            }
            default:
                checkName("--suite", suite);
                throw new IllegalStateException("suite " + suite + " has no plan");
        }
    }

    /**
     * Workers of different speeds at an equal token budget (k × N inner steps in all), on the
     * virtual clock (a full-speed step is one second): one worker 3× slower, then two at 2× and 4×;
     * each setting run synchronously (the baseline of its series), with paced H, with an automatic
     * deadline and token-weighted merging, and asynchronously with Delayed Nesterov, without and with
     * paced H. Rounds are set so that each run trains on the same number of tokens, from the steps
     * each worker is planned to take (rounds after the first, which has no measured pace).
     */
    private static List<RunSpec> heterogeneous(int k, int h, int n) {
        UserError.check(k >= 3, "--suite heterogeneous needs --workers >= 3 (it slows two of them), got %d", k);
        List<RunSpec> runs = new ArrayList<>();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("one 3x slower", (k - 1) + ":3");
        settings.put("2x and 4x slower", (k - 2) + ":2," + (k - 1) + ":4");
        long budget = (long) k * n;
        for (Map.Entry<String, String> e : settings.entrySet()) {
            String series = e.getKey();
            Slowdown slow = Slowdown.parse("--simulate-slowdown", e.getValue());
            List<Setting<?>> common = List.of(of(SIMULATE_SLOWDOWN, e.getValue()), of(CLOCK, ClockKind.VIRTUAL));
            Pacing sync = Pacing.SAME;
            Pacing paced = new Pacing(InnerStepsBy.PACE, sync.minInnerFraction(), MergeRule.MEAN, RoundDeadline.OFF, slow,
                    ClockKind.VIRTUAL, SyncMode.SYNC);
            Pacing deadline = new Pacing(InnerStepsBy.FIXED, sync.minInnerFraction(), MergeRule.TOKENS,
                    RoundDeadline.parse("--round-deadline", "auto"), slow, ClockKind.VIRTUAL, SyncMode.SYNC);
            runs.add(paced("sync, " + series, series, k, h, n / h, common));
            runs.add(paced("sync + pace, " + series, series, k, h, rounds(paced, slow, k, h, budget), common,
                    of(INNER_STEPS_BY, InnerStepsBy.PACE)));
            runs.add(paced("sync + deadline + tokens, " + series, series, k, h, rounds(deadline, slow, k, h, budget), common,
                    of(ROUND_DEADLINE, "auto"), of(MERGE, MergeRule.TOKENS)));
            runs.add(paced("async + Delayed Nesterov, " + series, series, k, h, n / h, common, of(SYNC, SyncMode.ASYNC)));
            // Liu et al.'s pairing: Delayed Nesterov with dynamic local updates (paced H), so a slow
            // worker's Δ is no staler than a fast one's; its jobs plan steps as sync + pace does.
            runs.add(paced("async + Delayed Nesterov + pace, " + series, series, k, h, rounds(paced, slow, k, h, budget), common,
                    of(SYNC, SyncMode.ASYNC), of(INNER_STEPS_BY, InnerStepsBy.PACE)));
        }
        return runs;
    }

    private static RunSpec paced(String name, String series, int k, int h, int rounds, List<Setting<?>> common,
            Setting<?>... extra) {
        List<Setting<?>> settings = new ArrayList<>(List.of(of(WORKERS, k), of(INNER_STEPS, h), of(ROUNDS, rounds)));
        settings.addAll(common);
        settings.addAll(List.of(extra));
        return new RunSpec(name, series, Double.NaN, settings, Communication.DILOCO, k);
    }

    /**
     * Rounds for about {@code budget} inner steps in all (the nearest a whole round allows) under {@code pacing} on the virtual clock: round 1
     * has no pace yet (H steps each, no deadline), later rounds the steps planned from the paces
     * 1/F, cut where a deadline leaves a worker of F seconds a step no time for more (as
     * {@link diloco.pace.WorkerClock} does on the virtual clock).
     */
    static int rounds(Pacing pacing, Slowdown slow, int k, int h, long budget) {
        double[] paces = new double[k];
        boolean[] all = new boolean[k];
        for (int w = 0; w < k; w++) {
            paces[w] = 1 / slow.factor(w);
            all[w] = true;
        }
        int[] steps = pacing.innerSteps(h, paces, all);
        double deadline = pacing.deadline(steps, paces, all);
        long perRound = 0;
        for (int w = 0; w < k; w++) {
            int fits = deadline > 0 ? Math.max(1, (int) Math.floor(deadline / slow.factor(w) + 1e-9)) : steps[w];
            perRound += Math.min(steps[w], fits);
        }
        long first = (long) k * h;
        return 1 + (int) Math.max(0, Math.round((double) (budget - first) / perRound)); // the nearest to the budget
    }

    /** One worker training alone, as plain AdamW: FedAvg with k=1 is the identity outer step. */
    private static RunSpec single(String name, int h, int total, int batch, Communication comm, int equivalent) {
        return new RunSpec(name, "baseline", 1, List.of(of(WORKERS, 1), of(INNER_STEPS, h), of(ROUNDS, total / h),
                of(BATCH_SIZE, batch)), comm, equivalent).with(FEDAVG);
    }

    private static RunSpec diloco(String name, String series, double x, int k, int h, int total, Setting<?>... extra) {
        List<Setting<?>> settings = new ArrayList<>(List.of(of(WORKERS, k), of(INNER_STEPS, h), of(ROUNDS, total / h)));
        settings.addAll(List.of(extra));
        return new RunSpec(name, series, x, settings, k == 1 ? Communication.NONE : Communication.DILOCO, k);
    }

    /** Validation points per run: about 20, at the same inner-step positions when H divides total/20. */
    static int evalEvery(int rounds) {
        return Math.max(1, rounds / 20);
    }

    static String describe(List<RunSpec> runs) {
        StringBuilder sb = new StringBuilder();
        for (RunSpec r : runs) {
            sb.append(String.format(Locale.ROOT, "  %-28s %s%n", r.name(), String.join(" ", r.args())));
        }
        return sb.toString();
    }
}
