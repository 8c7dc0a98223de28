package diloco;

/**
 * Where a run keeps what it needs to resume: the loop hands it the state after every round and
 * when it stops early, and learns which checkpoint is complete (workers that lose their state
 * restore it from there).
 */
public interface Checkpointer {

    /** No checkpoints. */
    Checkpointer NONE = new Checkpointer() {
        @Override
        public int afterRound(LoopState state, float[] theta) {
            return state.checkpointRound();
        }

        @Override
        public int atStop(LoopState state, float[] theta) {
            return state.checkpointRound();
        }
    };

    /** After a round: writes a checkpoint when one is due; returns the newest complete checkpoint's round. */
    int afterRound(LoopState state, float[] theta);

    /** The loop stops early on request: writes a checkpoint of its last round; returns the newest complete one's round. */
    int atStop(LoopState state, float[] theta);
}
