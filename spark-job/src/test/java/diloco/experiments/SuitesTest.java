package diloco.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.cli.CommandLine;
import diloco.config.TrainConfig;
import diloco.config.UserError;

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
        assertEquals(1, one.workers);
        assertEquals(TrainConfig.OuterOptimizerKind.SGD, one.outerOptimizer);
        assertEquals(1f, one.outerLr);
        assertEquals(0f, one.outerMomentum);
        assertEquals(16, one.batchSize);
        assertEquals(1, batch.workers);
        assertEquals(8 * 16, batch.batchSize);
        assertEquals(RunSpec.Communication.DATA_PARALLEL, runs.get(1).communication);
        assertEquals(8, diloco.workers);
        assertEquals(50, diloco.innerSteps);
        assertEquals(60, diloco.rounds);
        assertEquals(TrainConfig.OuterOptimizerKind.NESTEROV, diloco.outerOptimizer);
        for (RunSpec r : runs) { // equal inner steps per worker, the seed and eval cadence applied
            TrainConfig c = resolve(r);
            assertEquals(3000L, c.totalInnerSteps());
            assertEquals(7, c.seed);
            assertEquals(3, c.evalEvery);
        }
        // a short budget lowers H so that there are at least 10 rounds
        TrainConfig shortRun = resolve(Suites.plan("table2", new Suites.Budget(8, 50, 300, 16, "x")).get(2));
        assertEquals(30, shortRun.innerSteps);
        assertEquals(10, shortRun.rounds);
    }

    @Test
    void workersIidAndNonIid() {
        List<RunSpec> runs = Suites.plan("workers", BUDGET);
        List<String> shape = new ArrayList<>();
        for (RunSpec r : runs) {
            TrainConfig c = resolve(r);
            shape.add(c.workers + (c.shardBy == null ? " iid" : " non-iid " + c.shardBy));
        }
        assertEquals(List.of("1 iid", "2 iid", "4 iid", "8 iid", "2 non-iid ^(\\d{4})", "4 non-iid ^(\\d{4})",
                "8 non-iid ^(\\d{4})"), shape);
    }

    @Test
    void hSweepAtEqualSteps() {
        List<String> shape = new ArrayList<>();
        for (RunSpec r : Suites.plan("H", BUDGET)) {
            TrainConfig c = resolve(r);
            shape.add(c.innerSteps + "x" + c.rounds);
            assertEquals(8, c.workers);
        }
        assertEquals(List.of("1x3000", "10x300", "50x60", "200x15"), shape);
    }

    @Test
    void outerDropAndPool() {
        List<RunSpec> outer = Suites.plan("outer", BUDGET);
        assertEquals(TrainConfig.OuterOptimizerKind.NESTEROV, resolve(outer.get(0)).outerOptimizer);
        assertEquals(0.7f, resolve(outer.get(0)).outerLr);
        assertEquals(TrainConfig.OuterOptimizerKind.SGD, resolve(outer.get(1)).outerOptimizer);
        assertEquals(1f, resolve(outer.get(1)).outerLr);
        assertEquals(0f, resolve(outer.get(1)).outerMomentum);
        assertEquals(TrainConfig.OuterOptimizerKind.ADAM, resolve(outer.get(2)).outerOptimizer);
        assertEquals(0.1f, resolve(outer.get(2)).outerEps);

        List<Double> drops = new ArrayList<>();
        for (RunSpec r : Suites.plan("drop", BUDGET)) {
            drops.add(resolve(r).dropProbability);
        }
        assertEquals(List.of(0.0, 0.1, 0.3, 0.5), drops);

        List<String> pools = new ArrayList<>();
        for (RunSpec r : Suites.plan("pool", BUDGET)) {
            TrainConfig c = resolve(r);
            assertEquals(8, c.workers, "--workers is the pool's maximum");
            pools.add(c.poolSchedule);
        }
        assertEquals(List.of("constant:4", "ramp:2:8", "ramp:8:2"), pools);
    }

    @Test
    void unknownSuiteIsAClearError() {
        UserError e = assertThrows(UserError.class, () -> Suites.plan("table3", BUDGET));
        assertTrue(e.getMessage().contains("table2"), e.getMessage());
    }
}
