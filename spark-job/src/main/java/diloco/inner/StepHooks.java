package diloco.inner;

import java.util.function.LongConsumer;

/**
 * What attaches to the inner loop from outside, as DJL's {@code TrainingListener}s do to its fit
 * loop: a Spark task's cancellation check, a test's fault injection, a benchmark's clock. The loop
 * calls them; it never knows what they are.
 */
public interface StepHooks {

    /** No hooks. */
    StepHooks NONE = new StepHooks() { };

    /** The phases of a step, in order: batch sampling, the batch's copy to the engine, forward and loss, backward, clipping and AdamW, freeing the step's arrays. */
    enum Phase { SAMPLE, UPLOAD, FORWARD, BACKWARD, OPTIMIZER, RELEASE }

    /** Before global inner step {@code step}: where a task may stop (cancelled), be held (a test), or a clock start. */
    default void beforeStep(long step) {}

    /** The current step has just finished {@code phase}. */
    default void after(Phase phase) {}

    /**
     * Whether to end the run of steps now, after {@code taken} of them (≥ 1: the first step is always
     * taken): a round deadline. The steps not taken are left for later.
     */
    default boolean stopBefore(int taken) {
        return false;
    }

    /** Hooks that run {@code action} before each step (with its global step number). */
    static StepHooks beforeEach(LongConsumer action) {
        return new StepHooks() {
            @Override
            public void beforeStep(long step) {
                action.accept(step);
            }
        };
    }

    /** These hooks, then {@code next}. */
    default StepHooks andThen(StepHooks next) {
        StepHooks first = this;
        return new StepHooks() {
            @Override
            public void beforeStep(long step) {
                first.beforeStep(step);
                next.beforeStep(step);
            }

            @Override
            public void after(Phase phase) {
                first.after(phase);
                next.after(phase);
            }

            @Override
            public boolean stopBefore(int taken) {
                return first.stopBefore(taken) || next.stopBefore(taken);
            }
        };
    }
}
