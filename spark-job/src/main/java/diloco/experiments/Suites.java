package diloco.experiments;

import diloco.experiments.RunSpec.Communication;
import diloco.option.UserError;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The experiment suites: named lists of configurations of the same DiLoCo loop, at an equal
 * number of inner steps per worker (rounds = total / H), as in the paper's comparisons. The first
 * configuration of each suite is its baseline.
 */
public final class Suites {
    public static final List<String> NAMES = List.of("table2", "workers", "H", "outer", "drop", "pool", "compress", "smoke");

    private Suites() {}

    /**
     * Job options a suite starts from, before the user's (whose value wins where both set one):
     * the smoke suite is a check of minutes, so it trains the tiny model briefly unless told otherwise.
     */
    public static List<String> defaultJobArgs(String suite) {
        return suite.equals("smoke")
                ? List.of("--preset", "tiny", "--inner-steps", "20", "--batch-size", "8", "--inner-lr", "3e-3",
                        "--warmup-steps", "5")
                : List.of();
    }

    /** Inner steps per worker in each run unless --total-inner-steps says otherwise. */
    public static int defaultTotalInnerSteps(String suite) {
        return suite.equals("smoke") ? 40 : 3000;
    }

    /** What the suites are planned from. */
    public static final class Budget {
        final int workers;
        final int innerSteps;
        final int totalInnerSteps;
        final int batchSize;
        final String nonIidKey;

        public Budget(int workers, int innerSteps, int totalInnerSteps, int batchSize, String nonIidKey) {
            this.workers = workers;
            this.innerSteps = innerSteps;
            this.totalInnerSteps = totalInnerSteps;
            this.batchSize = batchSize;
            this.nonIidKey = nonIidKey;
        }
    }

    public static List<RunSpec> plan(String suite, Budget b) {
        int k = b.workers;
        int n = b.totalInnerSteps;
        List<RunSpec> runs = new ArrayList<>();
        switch (suite) {
            case "table2": {
                // the paper's Table 2 at equal inner steps: the largest H ≤ --inner-steps that gives ≥ 10 rounds
                int h = Math.max(1, Math.min(b.innerSteps, n / 10));
                runs.add(single("1 worker", h, n, b.batchSize, Communication.NONE, 1));
                runs.add(single("1 worker, " + k + "x batch", h, n, k * b.batchSize, Communication.DATA_PARALLEL, k));
                runs.add(diloco("DiLoCo k=" + k + ", H=" + h, "DiLoCo", k, k, h, n));
                return runs;
            }
            case "workers":
                for (String series : new String[] {"i.i.d.", "non-i.i.d."}) {
                    // one worker sees all data either way: k=1 is only run once, as the baseline
                    for (int w = series.equals("i.i.d.") ? 1 : 2; w <= k; w *= 2) {
                        RunSpec r = diloco("k=" + w + " " + series, series, w, w, b.innerSteps, n);
                        if (series.equals("non-i.i.d.")) {
                            r = with(r, "--shard-by", b.nonIidKey);
                        }
                        runs.add(r);
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
                runs.add(diloco("Nesterov lr 0.7 mu 0.9", "outer", Double.NaN, k, b.innerSteps, n,
                        "--outer-optimizer", "nesterov", "--outer-lr", "0.7", "--outer-momentum", "0.9"));
                runs.add(diloco("SGD lr 1 (FedAvg)", "outer", Double.NaN, k, b.innerSteps, n,
                        "--outer-optimizer", "sgd", "--outer-lr", "1", "--outer-momentum", "0"));
                runs.add(diloco("Adam lr 0.1 eps 0.1", "outer", Double.NaN, k, b.innerSteps, n,
                        "--outer-optimizer", "adam", "--outer-lr", "0.1", "--outer-eps", "0.1"));
                return runs;
            case "drop":
                for (double p : new double[] {0, 0.1, 0.3, 0.5}) {
                    runs.add(diloco("drop " + p, "DiLoCo k=" + k, p, k, b.innerSteps, n,
                            "--drop-probability", Double.toString(p)));
                }
                return runs;
            case "pool": {
                int low = Math.max(1, k / 4);
                runs.add(diloco("constant " + Math.max(1, k / 2), "pool", Double.NaN, k, b.innerSteps, n,
                        "--pool-schedule", "constant:" + Math.max(1, k / 2)));
                runs.add(diloco("ramp up " + low + " to " + k, "pool", Double.NaN, k, b.innerSteps, n,
                        "--pool-schedule", "ramp:" + low + ":" + k));
                runs.add(diloco("ramp down " + k + " to " + low, "pool", Double.NaN, k, b.innerSteps, n,
                        "--pool-schedule", "ramp:" + k + ":" + low));
                return runs;
            }
            case "compress": // the outer gradients' number format: fp32 (as sent so far), bf16, int8; then pruned fp32
                for (String dtype : new String[] {"fp32", "bf16", "int8"}) {
                    runs.add(diloco("DiLoCo k=" + k + ", " + dtype, "compress", Double.NaN, k, b.innerSteps, n,
                            "--outer-grad-dtype", dtype));
                }
                for (int percent : new int[] {25, 50, 75}) {
                    runs.add(diloco("DiLoCo k=" + k + ", fp32, " + percent + "% pruned", "compress", Double.NaN, k,
                            b.innerSteps, n, "--outer-grad-prune", Double.toString(percent / 100.0)));
                }
                return runs;
            case "smoke": {
                int h = Math.max(1, Math.min(b.innerSteps, n / 2));
                runs.add(single("1 worker", h, n, b.batchSize, Communication.NONE, 1));
                runs.add(diloco("DiLoCo k=2, H=" + h, "DiLoCo", 2, 2, h, n));
                return runs;
            }
            default:
                throw new UserError("unknown --suite '" + suite + "' (expected one of " + String.join(", ", NAMES) + ")");
        }
    }

    /** One worker training alone, as plain AdamW: FedAvg with k=1 is the identity outer step. */
    private static RunSpec single(String name, int h, int total, int batch, Communication comm, int equivalent) {
        return new RunSpec(name, "baseline", 1, List.of("--workers", "1", "--inner-steps", Integer.toString(h),
                "--rounds", Integer.toString(total / h), "--batch-size", Integer.toString(batch),
                "--outer-optimizer", "sgd", "--outer-lr", "1", "--outer-momentum", "0"), comm, equivalent);
    }

    private static RunSpec diloco(String name, String series, double x, int k, int h, int total, String... extra) {
        List<String> args = new ArrayList<>(List.of("--workers", Integer.toString(k), "--inner-steps",
                Integer.toString(h), "--rounds", Integer.toString(total / h)));
        args.addAll(List.of(extra));
        return new RunSpec(name, series, x, args, k == 1 ? Communication.NONE : Communication.DILOCO, k);
    }

    private static RunSpec with(RunSpec r, String... extra) {
        List<String> args = new ArrayList<>(r.args);
        args.addAll(List.of(extra));
        return new RunSpec(r.name, r.series, r.x, args, r.communication, r.equivalentWorkers);
    }

    /** Validation points per run: about 20, at the same inner-step positions when H divides total/20. */
    static int evalEvery(int rounds) {
        return Math.max(1, rounds / 20);
    }

    static String describe(List<RunSpec> runs) {
        StringBuilder sb = new StringBuilder();
        for (RunSpec r : runs) {
            sb.append(String.format(Locale.ROOT, "  %-28s %s%n", r.name, String.join(" ", r.args)));
        }
        return sb.toString();
    }
}
