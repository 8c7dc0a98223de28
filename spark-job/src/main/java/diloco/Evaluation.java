package diloco;

/**
 * How the loop measures θ on held-out data: before the first round and after each round, where the
 * evaluation chooses to (null: not this time). Its loss goes into the round's metrics.
 */
public interface Evaluation {

    /** No validation at all. */
    Evaluation NONE = new Evaluation() {
        @Override
        public Double initial(float[] theta) {
            return null;
        }

        @Override
        public Double afterRound(int round, float[] theta) {
            return null;
        }
    };

    /** The initial model's loss, or null. */
    Double initial(float[] theta);

    /** The loss after round {@code round}, or null when this round is not validated. */
    Double afterRound(int round, float[] theta);

    /** Tokens per byte of the held-out text: a loss per token times this, over ln 2, is bits per byte. */
    default double tokensPerByte() {
        return 1.0;
    }
}
