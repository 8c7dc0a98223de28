package diloco;

/**
 * A finished round as listeners see it: the plan, what the workers and the outer step did, θ
 * after it (read it, never change it), and, once measured, the validation loss and the round's
 * metrics.
 */
public final class RoundEnd {
    private final RoundPlan plan;
    private final DiLoCoRound.Result result;
    private final float[] theta;
    private Double valLoss;
    private double secEval;
    private RoundMetrics metrics;

    RoundEnd(RoundPlan plan, DiLoCoRound.Result result, float[] theta) {
        this.plan = plan;
        this.result = result;
        this.theta = theta;
    }

    public RoundPlan plan() {
        return plan;
    }

    public DiLoCoRound.Result result() {
        return result;
    }

    /** θ after the round; shared with the loop, not to be modified. */
    public float[] theta() {
        return theta;
    }

    /** Records the validation loss of θ after this round, measured in {@code seconds}. */
    public void validated(double loss, double seconds) {
        valLoss = loss;
        secEval = seconds;
    }

    Double valLoss() {
        return valLoss;
    }

    double secEval() {
        return secEval;
    }

    void metrics(RoundMetrics m) {
        metrics = m;
    }

    /** The round's metrics (available in {@link RoundListener#onRoundEnd}). */
    public RoundMetrics metrics() {
        return metrics;
    }
}
