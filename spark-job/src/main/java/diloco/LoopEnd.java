package diloco;

/**
 * The loop has ended: after the last round, on a stop request (a checkpoint of its last round
 * written), or on a failure (the error propagates after the listeners were told).
 *
 * @param state  the final state
 * @param theta  θ at the end
 * @param ending how it ended
 */
public record LoopEnd(LoopState state, float[] theta, Ending ending) {

    /** How the loop ended. */
    public enum Ending { FINISHED, STOPPED, FAILED }
}
