package diloco.checkpoint;

import java.io.Serializable;

/**
 * When a run writes checkpoints, how many it keeps, and when workers save their AdamW state
 * ({@code --checkpoint-every}, {@code --keep-checkpoints}, {@code --inner-state-sync}).
 *
 * @param every     a checkpoint every this many rounds (and after the last); 0 = only after the last
 * @param keep      the newest complete checkpoints kept
 * @param stateSync with checkpoints only, or also after every round
 */
public record CheckpointSettings(int every, int keep, InnerStateSync stateSync) implements Serializable {

    /** Whether workers write their state after every round, so that a lost executor costs nothing. */
    public boolean everyRound() {
        return stateSync == InnerStateSync.EVERY_ROUND;
    }
}
