package diloco;

import diloco.exchange.RoundPlan;

/**
 * A finished round as listeners see it, complete before the first listener is called and never
 * changed after.
 *
 * @param plan    the round's plan
 * @param result  what the workers and the outer step did
 * @param metrics the round's metrics, validation included
 * @param state   the loop's state after the round
 * @param theta   θ after the round; read it during the call, never change it (the next round does)
 */
public record RoundEnd(RoundPlan plan, DiLoCoRound.Result result, RoundMetrics metrics, LoopState state, float[] theta) {
}
