package diloco;

import diloco.exchange.RoundPlan;
import diloco.exchange.StateSource;
import diloco.exchange.WorkerReport;

import java.util.Locale;

/**
 * Warns about excluded outer gradients and workers that lost their state, and fails the run after
 * {@code --max-bad-rounds} consecutive rounds in which every outer gradient was excluded: the
 * training diverged, and going on would only spend compute.
 */
public final class BadRoundGuard implements RoundListener {
    private final int maxBadRounds;
    private final Log log;

    public BadRoundGuard(int maxBadRounds, Log log) {
        this.maxBadRounds = maxBadRounds;
        this.log = log;
    }

    @Override
    public void onRoundEnd(RoundEnd end) {
        RoundPlan plan = end.plan();
        for (WorkerReport w : end.result().inner().reports()) {
            if (w.rejected() != null) {
                log.say("warning: round %d: worker %d's outer gradient excluded (%s)", plan.round, w.worker(), w.rejected());
            } else if (plan.previousRound(w.worker()) > 0 && w.stateSource().kind() == StateSource.Kind.FRESH) {
                log.say("warning: worker %d restarted round %d with fresh AdamW moments: its state from round %d was "
                        + "neither on executor %s nor on disk", w.worker(), w.round(), plan.previousRound(w.worker()),
                        w.placement().executor());
            }
        }
        int bad = end.state().consecutiveBadRounds();
        if (bad >= maxBadRounds) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "%d consecutive rounds in which every outer gradient was rejected (non-finite or over "
                            + "--max-outer-grad-norm): training diverged; lower --inner-lr or resume from an earlier checkpoint",
                    bad));
        }
    }
}
