package diloco.config;

import static diloco.config.Options.BATCH_SIZE;
import static diloco.config.Options.CONTEXT;
import static diloco.config.Options.D_MODEL;
import static diloco.config.Options.DROPOUT;
import static diloco.config.Options.FORMAT;
import static diloco.config.Options.HEADS;
import static diloco.config.Options.ID_COLUMN;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.LAYERS;
import static diloco.config.Options.LR_DECAY_STEPS;
import static diloco.config.Options.OUTER_LR;
import static diloco.config.Options.OUTER_LR_SCHEDULE;
import static diloco.config.Options.POOL_SCHEDULE;
import static diloco.config.Options.PRESET;
import static diloco.config.Options.RESUME;
import static diloco.config.Options.RESUME_IF_PRESENT;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.TEXT_COLUMN;
import static diloco.config.Options.WORKERS;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything a DiLoCo run depends on: a value for each {@link Options option} that was set, the
 * table's default for the others. Immutable and serializable: the same object is shipped to
 * executors and recorded in run.json and checkpoints. Read a value with {@link #get(Option)};
 * build one with {@link #builder()}, whose {@link Builder#build()} checks every value.
 */
public final class TrainConfig implements Serializable {
    private static final long serialVersionUID = 2L;

    /** How documents are read from {@code --data}. */
    public enum DataFormat { AUTO, FILES, PARQUET, JSON }

    /** The driver-side optimizer applied to the averaged outer gradient. */
    public enum OuterOptimizerKind { NESTEROV, SGD, ADAM }

    /** When workers persist their inner optimizer state (for executor loss). */
    public enum InnerStateSync { AT_CHECKPOINT, EVERY_ROUND }

    /** What a round does when a worker fails all its task attempts or the round times out. */
    public enum OnWorkerFailure { FAIL, DROP }

    /** How compressed outer gradients are rounded. */
    public enum Rounding { NEAREST, STOCHASTIC }

    /** Where treeAggregate takes its last sum (see {@code Options.FINAL_COMBINE}). */
    public enum FinalCombine { AUTO, DRIVER, EXECUTOR }

    /** The byte tokenizer's vocabulary. */
    public static final int VOCAB_SIZE = 256;

    /** Values set explicitly, by option key; the others take the table's default. */
    private final Map<String, Object> values;
    private final ModelConfig model;

    private TrainConfig(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        ModelConfig m = ModelConfig.preset(get(PRESET), VOCAB_SIZE);
        this.model = new ModelConfig(VOCAB_SIZE, or(CONTEXT, m.context()), or(LAYERS, m.layers()), or(D_MODEL, m.dModel()),
                or(HEADS, m.heads()), get(DROPOUT));
    }

    private int or(Option<Integer> o, int fallback) {
        Integer v = get(o);
        return v == null ? fallback : v;
    }

    /** The option's value: as set, else its default (null when it has none). */
    public <T> T get(Option<T> option) {
        Object v = values.get(option.key());
        return v == null ? option.defaultValue() : option.type().cast(v);
    }

    /** Whether the option was set explicitly (rather than left at its default). */
    public boolean isSet(Option<?> option) {
        return values.containsKey(option.key());
    }

    /** The model shape: {@code --preset} with any of its dimensions overridden. */
    public ModelConfig model() {
        return model;
    }

    /** Length of the inner learning-rate schedule: {@code --lr-decay-steps}, else rounds x H. */
    public long lrDecaySteps() {
        Long v = get(LR_DECAY_STEPS);
        return v != null ? v : totalInnerSteps();
    }

    /** Total inner steps each worker takes over the run (H x R). */
    public long totalInnerSteps() {
        return (long) get(ROUNDS) * get(INNER_STEPS);
    }

    /** Tokens in one inner step of one worker. */
    public long tokensPerStep() {
        return (long) get(BATCH_SIZE) * model.context();
    }

    /** A copy with {@code option} set to {@code value} (null: back to its default); checked. */
    public <T> TrainConfig with(Option<T> option, T value) {
        return toBuilder().set(option, value).build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.values.putAll(values);
        return b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The configuration a run records (run.json, checkpoints): every recorded option by its
     * snake_case key, resolved ({@code lr_decay_steps} is the real schedule length), with the
     * model shape as one {@code model} entry instead of its separate dimensions.
     */
    public Map<String, Object> toRecord() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Option<?> o : Options.all()) {
            if (!o.recorded() || o == CONTEXT || o == LAYERS || o == D_MODEL || o == HEADS || o == DROPOUT) {
                continue;
            }
            m.put(o.recordKey(), o == LR_DECAY_STEPS ? (Object) lrDecaySteps() : recordValue(o));
            if (o == PRESET) {
                m.put("model", model.toMap());
            }
        }
        return m;
    }

    private <T> Object recordValue(Option<T> o) {
        T v = get(o);
        return v == null ? null : o.type().record(v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainConfig && ((TrainConfig) o).values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }

    /** Collects values; {@link #build()} checks each against its option and all of them together. */
    public static final class Builder {
        private final Map<String, Object> values = new LinkedHashMap<>();

        private Builder() {}

        /** Sets an option (null: back to its default). Checked when built. */
        public <T> Builder set(Option<T> option, T value) {
            if (value == null) {
                values.remove(option.key());
            } else {
                values.put(option.key(), option.type().cast(value));
            }
            return this;
        }

        /** Checks every value, then the rules between options; throws {@link UserError}. */
        @SuppressWarnings({"unchecked", "rawtypes"})
        public TrainConfig build() {
            for (Option o : Options.all()) {
                o.check(o.flag(), values.get(o.key()));
            }
            TrainConfig c = new TrainConfig(values);
            c.model.validate();
            DataFormat format = c.get(FORMAT);
            UserError.check(c.get(ID_COLUMN) == null || c.get(TEXT_COLUMN) != null, "--id-column needs --text-column");
            UserError.check(format == DataFormat.AUTO || format == DataFormat.FILES || c.get(TEXT_COLUMN) != null,
                    "--format %s needs --text-column", format.name().toLowerCase(Locale.ROOT));
            UserError.check(format != DataFormat.FILES || c.get(TEXT_COLUMN) == null,
                    "--text-column applies to parquet/json data, not to --format files");
            UserError.check(!(c.get(RESUME) && c.get(RESUME_IF_PRESENT)), "--resume and --resume-if-present exclude each other");
            if (c.get(POOL_SCHEDULE) != null) {
                diloco.PoolSchedule.parse(c.get(POOL_SCHEDULE), c.get(WORKERS)); // throws UserError when malformed
            }
            diloco.optim.OuterLrSchedule.parse(c.get(OUTER_LR_SCHEDULE), c.get(OUTER_LR), c.get(ROUNDS));
            return c;
        }
    }
}
