package diloco.config;

import static diloco.config.Options.LR_DECAY_STEPS;
import static diloco.config.Options.ROUNDS;

import diloco.config.Options;
import diloco.config.TrainConfig;
import diloco.io.Json;
import diloco.option.Option;
import diloco.option.UserError;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a resumed run may change, by each option's {@link Option.OnResume} policy: the model
 * shape and the options marked FIXED (the data split, workers, H, batch size, seed, outer
 * optimizer: they define θ's meaning, the shards and the batch sequence) must be those of the
 * checkpoint; more rounds may be asked for, and the learning-rate schedule keeps its stored
 * length unless {@code --lr-decay-steps} is given; other differences are reported.
 */
public final class Resume {
    private Resume() {}

    /**
     * The configuration to continue with; throws {@link UserError} when the request contradicts the
     * checkpoint. {@code notes} receives the settings that changed anyway.
     */
    @SuppressWarnings("unchecked")
    public static TrainConfig reconcile(TrainConfig requested, Map<String, Object> state, int checkpointRound,
            List<String> notes) {
        Map<String, Object> stored = (Map<String, Object>) state.get("config");
        Map<String, Object> now = Json.parseObjectUnchecked(Json.line(requested.toRecord()));
        String fixedNames = String.join(", ", Options.all().stream()
                .filter(o -> o.onResume() == Option.OnResume.FIXED).map(Option::flag).toList());
        check(stored, now, "model", "--preset/--layers/--d-model/--heads/--context/--dropout", fixedNames);
        List<String> changed = new ArrayList<>();
        for (Option<?> o : Options.all()) {
            String key = o.recordKey();
            if (!o.recorded() || !stored.containsKey(key)) {
                continue;
            }
            if (o.onResume() == Option.OnResume.FIXED) {
                check(stored, now, key, o.flag(), fixedNames);
            } else if (o.onResume() == Option.OnResume.NOTED && !Objects.equals(stored.get(key), now.get(key))) {
                changed.add(key + " " + stored.get(key) + " -> " + now.get(key));
            }
        }
        UserError.check(requested.get(ROUNDS) >= checkpointRound,
                "--resume: the checkpoint is at round %d, beyond --rounds %d", checkpointRound, requested.get(ROUNDS));
        if (!changed.isEmpty()) {
            notes.add("resuming with changed settings: " + String.join(", ", changed));
        }
        if (!requested.isSet(LR_DECAY_STEPS)) {
            long storedSteps = ((Number) stored.get("lr_decay_steps")).longValue();
            if (storedSteps != requested.lrDecaySteps()) {
                notes.add("keeping the learning-rate schedule length of the checkpoint, " + storedSteps
                        + " inner steps (pass --lr-decay-steps to change it)");
            }
            return requested.with(LR_DECAY_STEPS, storedSteps);
        }
        return requested;
    }

    private static void check(Map<String, Object> stored, Map<String, Object> now, String key, String flags,
            String fixedNames) {
        UserError.check(Objects.equals(stored.get(key), now.get(key)),
                "--resume: the checkpoint was made with %s = %s, this run asks for %s (the model shape and %s must stay "
                        + "as they were)", flags, stored.get(key), now.get(key), fixedNames);
    }
}
