package diloco.config;

import static diloco.option.Option.Check.atLeast;

import diloco.option.Option;

import java.util.List;

/**
 * The options of the commands that use a trained model, {@code generate}, {@code evaluate} and
 * {@code export}; {@code DiLoCoModel.generate} takes its defaults from here too. Where they mean what a training
 * option means ({@code --format}, {@code --device}, ...), they are that option of {@link Options}.
 */
public final class ModelOptions {
    private static final String MODEL_SECTION = "Model";
    private static final String GENERATION = "Generation";
    private static final String EVALUATION = "Evaluation";
    private static final String EXPORT = "Export";

    private ModelOptions() {}

    public static final Option<String> MODEL = Option.text("model").placeholder("DIR").section(MODEL_SECTION)
            .doc("the model (required): a training run's --out, or a saved DiLoCoModel; any Hadoop path");

    public static final Option<String> PROMPT = Option.text("prompt").placeholder("TEXT").byDefault("")
            .section(GENERATION).doc("text to continue (UTF-8); empty: start as after a newline");
    public static final Option<Integer> MAX_BYTES = Option.integer("maxBytes").placeholder("N").byDefault(200)
            .check(atLeast(0)).section(GENERATION).doc("bytes to generate");
    public static final Option<Double> TEMPERATURE = Option.decimal("temperature").placeholder("T").byDefault(1.0)
            .check(atLeast(0, "0 = always the most likely byte")).section(GENERATION)
            .doc("sampling temperature; 0 = always the most likely byte");
    public static final Option<Integer> TOP_K = Option.integer("topK").placeholder("K").byDefault(0)
            .check(atLeast(0, "0 = all")).section(GENERATION).doc("sample among the K most likely bytes; 0 = all");
    public static final Option<Long> SAMPLING_SEED = Option.longInteger("seed").placeholder("S").byDefault(0L)
            .section(GENERATION).doc("sampling seed: the same seed gives the same text");

    public static final Option<String> EVAL_DATA = Option.text("data").placeholder("PATH").section(EVALUATION)
            .doc("documents to score (required), read as the training job reads --data: a directory of files, one "
                    + "document each, or Parquet/JSON with --text-column; any Hadoop path");
    public static final Option<String> EVAL_OUT = Option.text("out").placeholder("DIR").section(EVALUATION)
            .doc("directory to write evaluation.json to (the result is printed either way)");

    public static final Option<String> EXPORT_OUT = Option.text("out").placeholder("DIR").section(EXPORT)
            .doc("the Hugging Face GPT-2 directory to write (required; any Hadoop path, missing or empty): "
                    + "config.json, model.safetensors, tokenizer.json");

    /** The options of {@code generate}, in --help order. */
    public static List<Option<?>> generate() {
        return List.of(MODEL, PROMPT, MAX_BYTES, TEMPERATURE, TOP_K, SAMPLING_SEED, Options.THREADS_PER_WORKER,
                Options.DEVICE, Options.MATMUL_KERNELS);
    }

    /** The options of {@code export}, in --help order. */
    public static List<Option<?>> export() {
        return List.of(MODEL, EXPORT_OUT);
    }

    /** The options of {@code evaluate}, in --help order. */
    public static List<Option<?>> evaluate() {
        return List.of(MODEL, EVAL_DATA, Options.FORMAT, Options.TEXT_COLUMN, Options.ID_COLUMN, EVAL_OUT,
                Options.THREADS_PER_WORKER, Options.DEVICE, Options.MATMUL_KERNELS);
    }
}
