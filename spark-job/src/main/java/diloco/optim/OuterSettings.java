package diloco.optim;

import java.io.Serializable;

/**
 * The driver's optimizer over the averaged outer gradient ({@code --outer-optimizer},
 * {@code --outer-lr}, {@code --outer-lr-schedule}, {@code --outer-momentum}, {@code --outer-beta2},
 * {@code --outer-eps}).
 *
 * @param kind     Nesterov momentum (the paper), heavy-ball SGD, or Adam
 * @param lr       the outer learning rate (the peak, when scheduled)
 * @param schedule the outer learning rate over the rounds (see {@link OuterLrSchedule})
 * @param momentum momentum (Adam's β₁)
 * @param beta2    Adam's β₂
 * @param eps      Adam's ε
 */
public record OuterSettings(OuterOptimizerKind kind, float lr, String schedule, float momentum, float beta2, float eps)
        implements Serializable {

    /** A fresh optimizer over {@code size} parameters. */
    public OuterOptimizer optimizer(int size) {
        return switch (kind) {
            case NESTEROV -> new MomentumSgd(size, momentum, true);
            case SGD -> new MomentumSgd(size, momentum, false);
            case ADAM -> new OuterAdam(size, momentum, beta2, eps);
        };
    }

    /** The outer learning rate of each round of a run of {@code rounds} rounds. */
    public OuterLrSchedule lrSchedule(int rounds) {
        return OuterLrSchedule.parse(schedule, lr, rounds);
    }
}
