package diloco.checkpoint;

import diloco.config.TrainConfig;
import diloco.config.UserError;
import diloco.io.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a resumed run may change. The model, the data and its split, the workers, H, the batch
 * size and the seed must be those of the checkpoint (they define θ's meaning, the shards and the
 * batch sequence); more rounds may be asked for, and the learning-rate schedule keeps its stored
 * length unless {@code --lr-decay-steps} is given. Other differences are reported.
 */
public final class Resume {
    /** Settings a checkpoint fixes, by config key, with the option that sets them. */
    private static final String[][] FIXED = {
        {"model", "--preset/--layers/--d-model/--heads/--context"}, {"workers", "--workers"},
        {"inner_steps", "--inner-steps"}, {"batch_size", "--batch-size"}, {"seed", "--seed"},
        {"shard_by", "--shard-by"}, {"val_fraction", "--val-fraction"}, {"outer_optimizer", "--outer-optimizer"},
    };
    private static final List<String> OPERATIONAL = List.of("out", "rounds", "lr_decay_steps", "eval_every",
            "threads_per_worker", "device", "checkpoint_every", "keep_checkpoints", "inner_state_sync",
            "on_worker_failure", "task_max_failures", "round_timeout", "shutdown_grace", "aggregation_depth",
            "data", "init_from");

    private Resume() {}

    /**
     * The configuration to continue with; throws {@link UserError} when the request contradicts the
     * checkpoint. {@code notes} receives the settings that changed anyway.
     */
    @SuppressWarnings("unchecked")
    public static TrainConfig reconcile(TrainConfig requested, Map<String, Object> state, int checkpointRound,
            List<String> notes) {
        Map<String, Object> stored = (Map<String, Object>) state.get("config");
        Map<String, Object> now = Json.parseObjectUnchecked(Json.line(requested.toMap()));
        for (String[] fixed : FIXED) {
            Object a = stored.get(fixed[0]);
            Object b = now.get(fixed[0]);
            UserError.check(Objects.equals(a, b),
                    "--resume: the checkpoint was made with %s = %s, this run asks for %s (%s must stay as they were)",
                    fixed[1], a, b, "model shape, data split, workers, H, batch size, seed and outer optimizer");
        }
        UserError.check(requested.rounds >= checkpointRound,
                "--resume: the checkpoint is at round %d, beyond --rounds %d", checkpointRound, requested.rounds);
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, Object> e : stored.entrySet()) {
            if (!OPERATIONAL.contains(e.getKey()) && !Objects.equals(e.getValue(), now.get(e.getKey()))) {
                changed.add(e.getKey() + " " + e.getValue() + " -> " + now.get(e.getKey()));
            }
        }
        if (!changed.isEmpty()) {
            notes.add("resuming with changed settings: " + String.join(", ", changed));
        }
        if (!requested.lrDecayStepsGiven) {
            long storedSteps = ((Number) stored.get("lr_decay_steps")).longValue();
            if (storedSteps != requested.lrDecaySteps) {
                notes.add("keeping the learning-rate schedule length of the checkpoint, " + storedSteps
                        + " inner steps (pass --lr-decay-steps to change it)");
            }
            return requested.withLrDecaySteps(storedSteps);
        }
        return requested;
    }
}
