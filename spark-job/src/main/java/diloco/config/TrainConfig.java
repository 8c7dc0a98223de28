package diloco.config;

import static diloco.config.Options.AGGREGATION_DEPTH;
import static diloco.config.Options.BATCH_SIZE;
import static diloco.config.Options.CHECKPOINT_EVERY;
import static diloco.config.Options.CLOCK;
import static diloco.config.Options.CONTEXT;
import static diloco.config.Options.DATA;
import static diloco.config.Options.DEVICE;
import static diloco.config.Options.DROPOUT;
import static diloco.config.Options.DROP_PROBABILITY;
import static diloco.config.Options.D_MODEL;
import static diloco.config.Options.FINAL_COMBINE;
import static diloco.config.Options.FORMAT;
import static diloco.config.Options.GRAD_CLIP;
import static diloco.config.Options.HEADS;
import static diloco.config.Options.ID_COLUMN;
import static diloco.config.Options.INNER_BETA1;
import static diloco.config.Options.INNER_BETA2;
import static diloco.config.Options.INNER_EPS;
import static diloco.config.Options.INNER_LR;
import static diloco.config.Options.INNER_STATE_SYNC;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.INNER_STEPS_BY;
import static diloco.config.Options.KEEP_CHECKPOINTS;
import static diloco.config.Options.LAYERS;
import static diloco.config.Options.MATMUL_KERNELS;
import static diloco.config.Options.LR_DECAY_STEPS;
import static diloco.config.Options.MAX_BAD_ROUNDS;
import static diloco.config.Options.MAX_OUTER_GRAD_NORM;
import static diloco.config.Options.MERGE;
import static diloco.config.Options.MIN_INNER_FRACTION;
import static diloco.config.Options.MIN_LR_RATIO;
import static diloco.config.Options.ON_WORKER_FAILURE;
import static diloco.config.Options.OUTER_BETA2;
import static diloco.config.Options.OUTER_EPS;
import static diloco.config.Options.OUTER_GRAD_DTYPE;
import static diloco.config.Options.OUTER_GRAD_PRUNE;
import static diloco.config.Options.OUTER_GRAD_ROUNDING;
import static diloco.config.Options.OUTER_LR;
import static diloco.config.Options.OUTER_LR_SCHEDULE;
import static diloco.config.Options.OUTER_MOMENTUM;
import static diloco.config.Options.OUTER_OPTIMIZER;
import static diloco.config.Options.POOL_SCHEDULE;
import static diloco.config.Options.PRECISION;
import static diloco.config.Options.PRESET;
import static diloco.config.Options.RESUME;
import static diloco.config.Options.RESUME_IF_PRESENT;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.ROUND_DEADLINE;
import static diloco.config.Options.ROUND_TIMEOUT;
import static diloco.config.Options.SEED;
import static diloco.config.Options.SHARD_BY;
import static diloco.config.Options.SHUTDOWN_GRACE;
import static diloco.config.Options.SIMULATE_SLOWDOWN;
import static diloco.config.Options.STRICT_RESOURCES;
import static diloco.config.Options.SYNC;
import static diloco.config.Options.TASK_MAX_FAILURES;
import static diloco.config.Options.TEXT_COLUMN;
import static diloco.config.Options.THREADS_PER_WORKER;
import static diloco.config.Options.TOKENIZER;
import static diloco.config.Options.VAL_FRACTION;
import static diloco.config.Options.VAL_SEED;
import static diloco.config.Options.VAL_WINDOWS;
import static diloco.config.Options.WARMUP_STEPS;
import static diloco.config.Options.WEIGHT_DECAY;
import static diloco.config.Options.WORKERS;

import diloco.FaultSettings;
import diloco.PoolSchedule;
import diloco.checkpoint.CheckpointSettings;
import diloco.codec.DeltaEncoding;
import diloco.data.DataFormat;
import diloco.data.DataSettings;
import diloco.engine.ComputeSettings;
import diloco.inner.InnerSettings;
import diloco.model.ModelConfig;
import diloco.optim.AdamWSettings;
import diloco.optim.LearningRateSchedule;
import diloco.optim.OuterOptimizerKind;
import diloco.optim.OuterSettings;
import diloco.option.Option;
import diloco.option.UserError;
import diloco.pace.MergeRule;
import diloco.pace.Pacing;
import diloco.pace.RoundDeadline;
import diloco.pace.Slowdown;
import diloco.pace.SyncMode;
import diloco.spark.CommunicationSettings;
import diloco.spark.ResourceCheck;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything a DiLoCo run depends on: a value for each {@link Options option} that was set, the
 * table's default for the others. Immutable; recorded in run.json and checkpoints. Read a value
 * with {@link #get(Option)}; build one with {@link #builder()}, whose {@link Builder#build()} checks
 * every value. Each component gets its own typed settings from here ({@link #inner()},
 * {@link #outer()}, {@link #data()}, ...), never the whole configuration.
 */
public final class TrainConfig {

    /** The byte tokenizer's vocabulary, the model's until {@link #withVocabulary} says otherwise. */
    public static final int VOCAB_SIZE = 256;

    /** Values set explicitly, by option key; the others take the table's default. */
    private final Map<String, Object> values;
    /** The tokenizer's vocabulary: not an option, it follows from --tokenizer once the file is read. */
    private final int vocabSize;
    private final ModelConfig model;

    private TrainConfig(Map<String, Object> values, int vocabSize) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.vocabSize = vocabSize;
        ModelConfig m = ModelConfig.preset(get(PRESET), vocabSize);
        this.model = new ModelConfig(vocabSize, or(CONTEXT, m.context()), or(LAYERS, m.layers()), or(D_MODEL, m.dModel()),
                or(HEADS, m.heads()), get(DROPOUT));
    }

    /** A copy whose model has the vocabulary of the tokenizer --tokenizer names (read by the caller). */
    public TrainConfig withVocabulary(int vocab) {
        Builder b = toBuilder();
        b.vocabSize = vocab;
        return b.build();
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

    /** How every worker trains between communications. */
    public InnerSettings inner() {
        return new InnerSettings(get(INNER_STEPS), get(BATCH_SIZE), get(SEED),
                new LearningRateSchedule(get(INNER_LR), get(WARMUP_STEPS), lrDecaySteps(), get(MIN_LR_RATIO)),
                new AdamWSettings(get(INNER_BETA1), get(INNER_BETA2), get(INNER_EPS), get(WEIGHT_DECAY), get(GRAD_CLIP)),
                get(PRECISION));
    }

    /** The driver's optimizer over the averaged outer gradient. */
    public OuterSettings outer() {
        return new OuterSettings(get(OUTER_OPTIMIZER), get(OUTER_LR), get(OUTER_LR_SCHEDULE), get(OUTER_MOMENTUM),
                get(OUTER_BETA2), get(OUTER_EPS));
    }

    /** What the run trains and validates on, and how it is split among the workers. */
    public DataSettings data() {
        return new DataSettings(new DataSettings.Source(get(DATA), get(FORMAT), get(TEXT_COLUMN), get(ID_COLUMN)),
                get(TOKENIZER), get(VAL_FRACTION), get(VAL_WINDOWS), get(VAL_SEED), get(SHARD_BY), get(WORKERS), get(SEED));
    }

    /** How outer gradients are encoded and summed. */
    /** What the session's checks need of the run ({@link ResourceCheck}), for a model of {@code parameters}. */
    public ResourceCheck.Sizing sizing(int parameters) {
        return new ResourceCheck.Sizing(parameters, get(WORKERS), communication(), model(), get(BATCH_SIZE),
                get(DEVICE), get(STRICT_RESOURCES));
    }

    public CommunicationSettings communication() {
        return new CommunicationSettings(new DeltaEncoding(get(OUTER_GRAD_DTYPE), get(OUTER_GRAD_ROUNDING),
                get(OUTER_GRAD_PRUNE)), get(AGGREGATION_DEPTH), get(FINAL_COMBINE));
    }

    /** What the run does about failures, real and simulated. */
    public FaultSettings faults() {
        return new FaultSettings(get(ON_WORKER_FAILURE), get(TASK_MAX_FAILURES), get(MAX_OUTER_GRAD_NORM),
                get(MAX_BAD_ROUNDS), get(ROUND_TIMEOUT), get(SHUTDOWN_GRACE), get(DROP_PROBABILITY));
    }

    /** Where and with how many threads each worker computes. */
    public ComputeSettings compute() {
        return new ComputeSettings(get(THREADS_PER_WORKER), get(DEVICE), get(MATMUL_KERNELS));
    }

    /** When checkpoints are written and kept, and when workers save their state. */
    public CheckpointSettings checkpoints() {
        return new CheckpointSettings(get(CHECKPOINT_EVERY), get(KEEP_CHECKPOINTS), get(INNER_STATE_SYNC));
    }

    /** How workers of different speeds are paced, weighed and synchronised. */
    public Pacing pacing() {
        return new Pacing(get(INNER_STEPS_BY), get(MIN_INNER_FRACTION), get(MERGE),
                RoundDeadline.parse("--round-deadline", get(ROUND_DEADLINE)),
                Slowdown.parse("--simulate-slowdown", get(SIMULATE_SLOWDOWN)), get(CLOCK), get(SYNC));
    }

    /** Which workers take part in each round (--pool-schedule, all by default). */
    public PoolSchedule pool() {
        return get(POOL_SCHEDULE) == null ? PoolSchedule.all(get(WORKERS)) : PoolSchedule.parse(get(POOL_SCHEDULE), get(WORKERS));
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

    /** A copy with {@code option} set to {@code value} (null: back to its default); checked. */
    public <T> TrainConfig with(Option<T> option, T value) {
        return toBuilder().set(option, value).build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.values.putAll(values);
        b.vocabSize = vocabSize;
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
        return o instanceof TrainConfig t && t.values.equals(values) && t.vocabSize == vocabSize;
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }

    /** What {@code --sync async} cannot honour: one line naming the option. */
    private static void asyncCanHonour(TrainConfig c) {
        String why = c.get(OUTER_OPTIMIZER) != OuterOptimizerKind.NESTEROV ? "--outer-optimizer "
                + c.get(OUTER_OPTIMIZER).name().toLowerCase(Locale.ROOT) + " (async uses Delayed Nesterov)"
                : !RoundDeadline.parse("--round-deadline", c.get(ROUND_DEADLINE)).isOff()
                        ? "--round-deadline (an async worker never waits for others)"
                : c.get(MERGE) != MergeRule.MEAN ? "--merge tokens (async applies each outer gradient on its own)"
                : c.get(POOL_SCHEDULE) != null ? "--pool-schedule (every async worker is always running)"
                : c.get(DROP_PROBABILITY) > 0 ? "--drop-probability"
                : c.get(ROUND_TIMEOUT) > 0 ? "--round-timeout (async rounds have no end to wait for)"
                : null;
        UserError.check(why == null, "--sync async cannot be combined with %s", why);
    }

    /** Collects values; {@link #build()} checks each against its option and all of them together. */
    public static final class Builder {
        private final Map<String, Object> values = new LinkedHashMap<>();
        private int vocabSize = VOCAB_SIZE;

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
            TrainConfig c = new TrainConfig(values, vocabSize);
            c.model.validate();
            DataFormat format = c.get(FORMAT);
            UserError.check(c.get(ID_COLUMN) == null || c.get(TEXT_COLUMN) != null, "--id-column needs --text-column");
            UserError.check(format == DataFormat.AUTO || format == DataFormat.FILES || c.get(TEXT_COLUMN) != null,
                    "--format %s needs --text-column", format.name().toLowerCase(Locale.ROOT));
            UserError.check(format != DataFormat.FILES || c.get(TEXT_COLUMN) == null,
                    "--text-column applies to parquet/json data, not to --format files");
            UserError.check(!(c.get(RESUME) && c.get(RESUME_IF_PRESENT)), "--resume and --resume-if-present exclude each other");
            c.pool(); // throws UserError when malformed
            c.pacing().slowdown().check("--simulate-slowdown", c.get(WORKERS));
            if (c.get(SYNC) == SyncMode.ASYNC) {
                asyncCanHonour(c);
            }
            c.outer().lrSchedule(c.get(ROUNDS));
            return c;
        }
    }
}
