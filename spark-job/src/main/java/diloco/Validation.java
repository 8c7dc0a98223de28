package diloco;

/**
 * Validates θ on the fixed validation windows: before the first round (the initial model), every
 * {@code every} rounds and after the last. Its loss goes into the round's metrics.
 */
public final class Validation implements RoundListener {
    private final WorkerPool workers;
    private final int every;
    private final int lastRound;
    private final Log log;

    /** {@code every} = 0: only after the last round. */
    public Validation(WorkerPool workers, int every, int lastRound, Log log) {
        this.workers = workers;
        this.every = every;
        this.lastRound = lastRound;
        this.log = log;
    }

    @Override
    public void onStart(LoopState state, float[] theta) {
        if (state.round() == 0) {
            state.initialValidation(loss(theta));
            log.say("round 0/%d | val loss %.4f ppl %.2f (initial model)", lastRound, state.initialValLoss(),
                    Math.exp(state.initialValLoss()));
        }
    }

    @Override
    public void afterRound(RoundEnd round) {
        int r = round.plan().round;
        if (r == lastRound || (every > 0 && r % every == 0)) {
            long start = System.nanoTime();
            double loss = loss(round.theta());
            round.validated(loss, (System.nanoTime() - start) / 1e9);
        }
    }

    private double loss(float[] theta) {
        double[] nll = workers.validate(theta);
        return nll[0] / nll[1];
    }
}
