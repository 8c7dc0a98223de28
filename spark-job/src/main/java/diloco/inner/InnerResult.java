package diloco.inner;

/**
 * What a run of inner steps did.
 *
 * @param steps   steps taken
 * @param lossSum the sum of the steps' training losses (nats per token)
 * @param lrEnd   the learning rate of the last step; NaN when no step was taken
 */
public record InnerResult(int steps, double lossSum, float lrEnd) {

    /** The mean training loss over the steps. */
    public double meanLoss() {
        return lossSum / steps;
    }
}
