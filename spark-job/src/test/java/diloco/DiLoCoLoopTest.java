package diloco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.exchange.RoundPlan;
import diloco.exchange.StateSource;
import diloco.exchange.WorkerReport;
import diloco.optim.MomentumSgd;
import diloco.optim.OuterLrSchedule;
import diloco.pace.ClockKind;
import diloco.pace.Pacing;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

/**
 * The loop over rounds with a hand-computed pool of two workers (no Spark): its plug-ins decide
 * (recovery, validation, checkpoints, stop) and its listeners watch, each callback one event that
 * is complete when it arrives and never changes afterwards.
 */
class DiLoCoLoopTest {

    /** Two workers whose Δs are fixed per round: worker w sends (w + 1) · 0.1 on every coordinate. */
    static final class FixedPool extends TestSupport.StubPool {
        final List<Integer> checkpointRounds = new ArrayList<>();
        int failuresLeft;

        @Override
        public InnerRound innerSteps(float[] theta, RoundPlan plan) {
            checkpointRounds.add(plan.checkpointRound);
            if (failuresLeft-- > 0) {
                throw new IllegalStateException("a task failed for good");
            }
            List<WorkerReport> reports = new ArrayList<>();
            float[] sum = new float[theta.length];
            for (int w = 0; w < 2; w++) {
                reports.add(new WorkerReport(w, plan.round, new WorkerReport.Training(10, 1, 1.0 + w, 0, 1e-3, 1f),
                        StateSource.fresh(), new WorkerReport.Placement("e", "h", "cpu()", 1, false, "onemkl", null, null),
                        new WorkerReport.Timing(0, 0, 0, 0, 0, WorkerReport.Parts.NONE), new WorkerReport.Outcome(false, false, null)));
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += (w + 1) * 0.1f;
                }
            }
            return new InnerRound(sum, 2, 2f, reports, 0, 0, 0, 0);
        }
    }

    /** A listener that records every event it receives, in order: each callback's one argument. */
    static RoundListener recorder(List<Object> events) {
        return (RoundListener) Proxy.newProxyInstance(RoundListener.class.getClassLoader(),
                new Class<?>[] {RoundListener.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() != RoundListener.class) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    events.add(args[0]);
                    return null;
                });
    }

    /** Checkpoints every round; answers with the round it wrote. */
    static final class EveryRound implements Checkpointer {
        final List<Integer> stops = new ArrayList<>();

        @Override
        public int afterRound(LoopState state, float[] theta) {
            return state.round();
        }

        @Override
        public int atStop(LoopState state, float[] theta) {
            stops.add(state.round());
            return state.round();
        }
    }

    static DiLoCoLoop loop(FixedPool pool, int rounds, Evaluation evaluation, Checkpointer checkpoints,
            RecoveryPolicy recovery, StopSignal stop, RoundListener... listeners) {
        // FedAvg (outer SGD, lr 1, no momentum): θ ← θ − mean Δ, which is −0.15 per round here
        DiLoCoRound round = new DiLoCoRound(pool, new MomentumSgd(3, 0f, false), OuterLrSchedule.parse("constant", 1f, rounds),
                ClockKind.WALL);
        return new DiLoCoLoop(round, new RoundPlanner(PoolSchedule.all(2), rounds, 0, 0, 1, Pacing.SAME), evaluation, checkpoints, recovery,
                stop, List.of(listeners));
    }

    @Test
    void threeRoundsWithARetriedFailureAndEventsThatNeverChange() {
        FixedPool pool = new FixedPool();
        pool.failuresLeft = 1;
        List<Object> e = new ArrayList<>();
        List<RecoveryPolicy.Failure> failures = new ArrayList<>();
        RecoveryPolicy retryOnce = f -> {
            failures.add(f);
            return RecoveryPolicy.Recovery.RETRY;
        };
        Evaluation lastOnly = new Evaluation() {
            @Override
            public Double initial(float[] theta) {
                return 9.0;
            }

            @Override
            public Double afterRound(int round, float[] theta) {
                return round == 3 ? (double) theta[0] : null;
            }
        };
        float[] theta = {1f, 1f, 1f};
        LoopEnd end = loop(pool, 3, lastOnly, new EveryRound(), retryOnce, StopSignal.none(), recorder(e))
                .run(theta, LoopState.start(2));

        float expected = ((1f - 0.15f) - 0.15f) - 0.15f;
        assertArrayEquals(new float[] {expected, expected, expected}, theta, 0f);
        assertEquals(LoopEnd.Ending.FINISHED, end.ending());
        assertEquals(1, failures.size());
        assertEquals(1, failures.get(0).plan().round);
        assertEquals(List.of(0, 0, 1, 2), pool.checkpointRounds, "each plan names the checkpoint the last round wrote");

        assertEquals(List.of(LoopStart.class, RoundStart.class, RoundStart.class, RoundEnd.class, RoundStart.class,
                RoundEnd.class, RoundStart.class, RoundEnd.class, LoopEnd.class), e.stream().map(Object::getClass).toList());
        assertEquals(9.0, ((LoopStart) e.get(0)).state().initialValLoss());
        assertEquals(2, ((RoundStart) e.get(2)).attempt(), "round 1 again after the failure");
        RoundEnd first = (RoundEnd) e.get(3);
        assertEquals(1, first.state().round(), "what a listener saw of round 1 is still round 1's");
        assertEquals(0, first.state().checkpointRound(), "the checkpoint of round 1 was written after the listeners");
        assertEquals(1, first.state().metrics().size());
        assertNull(first.metrics().losses().valLoss());
        assertEquals(3.0, first.metrics().losses().innerLoss() * 2, 1e-12, "mean of the workers' losses 1 and 2");
        assertEquals(20, first.metrics().participation().tokens());
        RoundEnd last = (RoundEnd) e.get(7);
        assertEquals((double) expected, last.metrics().losses().valLoss(), 0.0);
        assertSame(end, e.get(8));
        assertEquals(3, end.state().checkpointRound());
        assertEquals(List.of(3, 3), end.state().lastActive());
        assertEquals(60, end.state().tokensTotal());
    }

    @Test
    void aStopRequestEndsAfterTheRoundWithACheckpoint() {
        StopSignal stop = StopSignal.none();
        EveryRound checkpoints = new EveryRound();
        RoundListener stopAfterRoundTwo = new RoundListener() {
            @Override
            public void onRoundEnd(RoundEnd end) {
                if (end.plan().round == 2) {
                    stop.request();
                }
            }
        };
        Checkpointer everyOther = new Checkpointer() {
            @Override
            public int afterRound(LoopState state, float[] theta) {
                return state.round() % 2 == 1 ? state.round() : state.checkpointRound();
            }

            @Override
            public int atStop(LoopState state, float[] theta) {
                return checkpoints.atStop(state, theta);
            }
        };
        LoopEnd end = loop(new FixedPool(), 5, Evaluation.NONE, everyOther, RecoveryPolicy.FAIL, stop, stopAfterRoundTwo)
                .run(new float[3], LoopState.start(2));
        assertEquals(LoopEnd.Ending.STOPPED, end.ending());
        assertEquals(2, end.state().round());
        assertEquals(List.of(2), checkpoints.stops, "a checkpoint of the last round at the stop");
        assertEquals(2, end.state().checkpointRound());
    }

    @Test
    void aFailureTheRecoveryPolicyDoesNotHandleFailsTheRunAndTellsTheListeners() {
        FixedPool pool = new FixedPool();
        pool.failuresLeft = 1;
        List<Object> events = new ArrayList<>();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop(pool, 2, Evaluation.NONE,
                Checkpointer.NONE, RecoveryPolicy.FAIL, StopSignal.none(), recorder(events)).run(new float[3],
                        LoopState.start(2)));
        assertTrue(e.getMessage().contains("failed for good"), e.getMessage());
        LoopEnd end = (LoopEnd) events.get(events.size() - 1);
        assertEquals(LoopEnd.Ending.FAILED, end.ending());
        assertEquals(0, end.state().round());
    }
}
