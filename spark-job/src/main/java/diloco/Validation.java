package diloco;

/**
 * Validates θ on the fixed validation windows: before the first round (the initial model), every
 * {@code every} rounds and after the last.
 */
public final class Validation implements Evaluation {
    private final WorkerPool workers;
    private final int every;
    private final int lastRound;
    private final double tokensPerByte;

    /** {@code every} = 0: only after the last round; {@code tokensPerByte} of the validation text. */
    public Validation(WorkerPool workers, int every, int lastRound, double tokensPerByte) {
        this.workers = workers;
        this.every = every;
        this.lastRound = lastRound;
        this.tokensPerByte = tokensPerByte;
    }

    @Override
    public double tokensPerByte() {
        return tokensPerByte;
    }

    @Override
    public Double initial(float[] theta) {
        return loss(theta);
    }

    @Override
    public Double afterRound(int round, float[] theta) {
        return round == lastRound || (every > 0 && round % every == 0) ? loss(theta) : null;
    }

    private double loss(float[] theta) {
        double[] nll = workers.validate(theta);
        return nll[0] / nll[1];
    }
}
