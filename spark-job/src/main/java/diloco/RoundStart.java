package diloco;

import diloco.exchange.RoundPlan;

/**
 * An attempt at a round is about to start.
 *
 * @param plan    the round's plan
 * @param attempt 1 for the first attempt, more when the recovery policy retries it
 */
public record RoundStart(RoundPlan plan, int attempt) {
}
