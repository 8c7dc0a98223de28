package diloco.experiments;

import static diloco.config.Options.BATCH_SIZE;
import static diloco.config.Options.DROP_PROBABILITY;
import static diloco.config.Options.EVAL_EVERY;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.OUTER_EPS;
import static diloco.config.Options.OUTER_LR;
import static diloco.config.Options.OUTER_MOMENTUM;
import static diloco.config.Options.OUTER_OPTIMIZER;
import static diloco.config.Options.POOL_SCHEDULE;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.SEED;
import static diloco.config.Options.SHARD_BY;
import static diloco.config.Options.WORKERS;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.cli.CommandLine;
import diloco.config.TrainConfig;
import diloco.optim.OuterOptimizerKind;
import diloco.option.UserError;

import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** The planner: each suite yields the configurations the paper's comparisons call for. */
class SuitesTest {
    private static final Suites.Budget BUDGET = new Suites.Budget(8, 50, 3000, 16, "^(\\d{4})");

    /** The job configuration a planned run resolves to. */
    private static TrainConfig resolve(RunSpec r) {
        List<String> args = Experiments.runArgs(List.of("--data", "/d", "--batch-size", "16"), r, 7, 3000, new Path("/o"));
        return CommandLine.parse(args.toArray(new String[0]));
    }

    @Test
    void table2() {
        List<RunSpec> runs = Suites.plan("table2", BUDGET);
        assertEquals(3, runs.size());
        TrainConfig one = resolve(runs.get(0));
        TrainConfig batch = resolve(runs.get(1));
        TrainConfig diloco = resolve(runs.get(2));
        assertEquals(1, one.get(WORKERS));
        assertEquals(OuterOptimizerKind.SGD, one.get(OUTER_OPTIMIZER));
        assertEquals(1f, one.get(OUTER_LR));
        assertEquals(0f, one.get(OUTER_MOMENTUM));
        assertEquals(16, one.get(BATCH_SIZE));
        assertEquals(1, batch.get(WORKERS));
        assertEquals(8 * 16, batch.get(BATCH_SIZE));
        assertEquals(RunSpec.Communication.DATA_PARALLEL, runs.get(1).communication());
        assertEquals(8, diloco.get(WORKERS));
        assertEquals(50, diloco.get(INNER_STEPS));
        assertEquals(60, diloco.get(ROUNDS));
        assertEquals(OuterOptimizerKind.NESTEROV, diloco.get(OUTER_OPTIMIZER));
        for (RunSpec r : runs) { // equal inner steps per worker, the seed and eval cadence applied
            TrainConfig c = resolve(r);
            assertEquals(3000L, c.totalInnerSteps());
            assertEquals(7L, c.get(SEED));
            assertEquals(3, c.get(EVAL_EVERY));
        }
        // a short budget lowers H so that there are at least 10 rounds
        TrainConfig shortRun = resolve(Suites.plan("table2", new Suites.Budget(8, 50, 300, 16, "x")).get(2));
        assertEquals(30, shortRun.get(INNER_STEPS));
        assertEquals(10, shortRun.get(ROUNDS));
    }

    /** The user's --eval-every wins over the runner's default, written either way. */
    @Test
    void aGivenEvalEveryIsKept() {
        RunSpec r = Suites.plan("table2", BUDGET).get(2);
        for (List<String> given : List.of(List.of("--eval-every", "5"), List.of("--eval-every=5"))) {
            List<String> base = new ArrayList<>(List.of("--data", "/d"));
            base.addAll(given);
            List<String> args = Experiments.runArgs(base, r, 7, 3000, new Path("/o"));
            assertEquals(5, CommandLine.parse(args.toArray(new String[0])).get(EVAL_EVERY), String.join(" ", args));
        }
    }

    @Test
    void workersIidAndNonIid() {
        List<RunSpec> runs = Suites.plan("workers", BUDGET);
        List<String> shape = new ArrayList<>();
        for (RunSpec r : runs) {
            TrainConfig c = resolve(r);
            shape.add(c.get(WORKERS) + (c.get(SHARD_BY) == null ? " iid" : " non-iid " + c.get(SHARD_BY)));
        }
        assertEquals(List.of("1 iid", "2 iid", "4 iid", "8 iid", "2 non-iid ^(\\d{4})", "4 non-iid ^(\\d{4})",
                "8 non-iid ^(\\d{4})"), shape);
    }

    @Test
    void hSweepAtEqualSteps() {
        List<String> shape = new ArrayList<>();
        for (RunSpec r : Suites.plan("H", BUDGET)) {
            TrainConfig c = resolve(r);
            shape.add(c.get(INNER_STEPS) + "x" + c.get(ROUNDS));
            assertEquals(8, c.get(WORKERS));
        }
        assertEquals(List.of("1x3000", "10x300", "50x60", "200x15"), shape);
    }

    @Test
    void outerDropAndPool() {
        List<RunSpec> outer = Suites.plan("outer", BUDGET);
        assertEquals(OuterOptimizerKind.NESTEROV, resolve(outer.get(0)).get(OUTER_OPTIMIZER));
        assertEquals(0.7f, resolve(outer.get(0)).get(OUTER_LR));
        assertEquals(OuterOptimizerKind.SGD, resolve(outer.get(1)).get(OUTER_OPTIMIZER));
        assertEquals(1f, resolve(outer.get(1)).get(OUTER_LR));
        assertEquals(0f, resolve(outer.get(1)).get(OUTER_MOMENTUM));
        assertEquals(OuterOptimizerKind.ADAM, resolve(outer.get(2)).get(OUTER_OPTIMIZER));
        assertEquals(0.1f, resolve(outer.get(2)).get(OUTER_EPS));

        List<Double> drops = new ArrayList<>();
        for (RunSpec r : Suites.plan("drop", BUDGET)) {
            drops.add(resolve(r).get(DROP_PROBABILITY));
        }
        assertEquals(List.of(0.0, 0.1, 0.3, 0.5), drops);

        List<String> pools = new ArrayList<>();
        for (RunSpec r : Suites.plan("pool", BUDGET)) {
            TrainConfig c = resolve(r);
            assertEquals(8, c.get(WORKERS), "--workers is the pool's maximum");
            pools.add(c.get(POOL_SCHEDULE));
        }
        assertEquals(List.of("constant:4", "ramp:2:8", "ramp:8:2"), pools);
    }

    /** Settings are typed, and written as the suites always wrote them: commands and results.json keep their form. */
    @Test
    void settingsKeepTheirWrittenForm() {
        RunSpec fedAvg = Suites.plan("outer", BUDGET).get(1);
        assertEquals(List.of("--workers", "8", "--inner-steps", "50", "--rounds", "60", "--outer-optimizer", "sgd",
                "--outer-lr", "1", "--outer-momentum", "0"), fedAvg.args());
        assertEquals(1f, fedAvg.get(OUTER_LR));
        assertEquals(OuterOptimizerKind.SGD, fedAvg.get(OUTER_OPTIMIZER));
        assertEquals(null, fedAvg.get(DROP_PROBABILITY), "not set: the base's value holds");
        RunSpec noDrop = Suites.plan("drop", BUDGET).get(0);
        assertEquals(List.of("--drop-probability", "0.0"), noDrop.args().subList(6, 8));
        assertEquals(0.0, noDrop.get(DROP_PROBABILITY));
        assertEquals(List.of("--preset", "tiny", "--inner-steps", "20", "--batch-size", "8", "--inner-lr", "3e-3",
                "--warmup-steps", "5"), RunSpec.args(Suites.defaults("smoke")));
        assertEquals("diloco-k-8-fp32-seed0", Suites.plan("compress", BUDGET).get(0).slug(0), "named by the format's text");
    }

    @Test
    void unknownSuiteIsAClearError() {
        UserError e = assertThrows(UserError.class, () -> Suites.plan("table3", BUDGET));
        assertTrue(e.getMessage().contains("table2"), e.getMessage());
    }
}
