package diloco.run;

import diloco.RoundMetrics;
import diloco.engine.ComputeSettings;
import diloco.engine.Inference;
import diloco.io.HadoopFiles;
import diloco.io.Json;
import diloco.io.Records;
import diloco.io.SafeTensors;
import diloco.model.Gpt;
import diloco.model.ModelConfig;
import diloco.option.UserError;
import diloco.tokenize.JsonTokenizer;
import diloco.tokenize.Tokenizer;
import diloco.tokenize.Tokenizers;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained model: its shape, θ, the configuration it was trained with, and the initial model's
 * validation loss. Read from either place a model is kept: a run's output directory
 * ({@code model.safetensors}, {@code run.json}, {@code metrics.jsonl}) or a saved
 * {@code DiLoCoModel} ({@code data/} beside Spark's Params metadata).
 *
 * @param config         the model's shape
 * @param theta          θ, flat in the model's parameter layout
 * @param trainingConfig the run's recorded configuration (run.json's {@code config}); empty if unknown
 * @param initialValLoss the initial model's validation loss, or null
 * @param tokenizer      its tokenizer (a tokenizer.json beside the weights; none: bytes)
 */
public record SavedModel(ModelConfig config, float[] theta, Map<String, Object> trainingConfig, Double initialValLoss,
        Tokenizer tokenizer) implements java.io.Serializable {

    /** A model with the rounds that trained it. */
    public record WithHistory(SavedModel model, List<RoundMetrics> history) {}

    static final String DATA = "data";
    static final String HISTORY = "history.jsonl";
    static final String TRAINING = "training.json";

    /** Writes the model's files into {@code dataDir} (a saved DiLoCoModel's {@code data/}). */
    public void save(Configuration conf, Path dataDir, List<RoundMetrics> history) throws IOException {
        HadoopFiles files = new HadoopFiles(conf);
        Gpt gpt = new Gpt(config);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("model_config", Json.line(config.toMap()));
        files.write(new Path(dataDir, RunOutput.MODEL), out -> SafeTensors.write(out, gpt.layout(), theta, meta));
        StringBuilder lines = new StringBuilder();
        history.forEach(m -> lines.append(Json.line(Records.toJson(m))).append('\n'));
        files.writeString(new Path(dataDir, HISTORY), lines.toString());
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("config", trainingConfig);
        training.put("initial_val_loss", initialValLoss);
        files.writeString(new Path(dataDir, TRAINING), Json.pretty(training));
        if (!tokenizer.isBytes()) {
            byte[] json = tokenizer.json();
            files.write(new Path(dataDir, Tokenizers.FILE), out -> out.write(json));
        }
    }

    /**
     * {Σ nll (nats), bytes predicted} of a document's text: its tokens scored by {@link Inference#document},
     * the bytes predicted being the text's less its first token's (which nothing predicts).
     */
    public static double[] score(Inference inference, Tokenizer tokenizer, byte[] text) {
        int[] ids = tokenizer.encode(text);
        double[] nll = inference.document(ids);
        if (nll[1] == 0) {
            return new double[] {0, 0};
        }
        return new double[] {nll[0], text.length - tokenizer.decode(new int[] {ids[0]}).length};
    }

    /**
     * Text sampled after {@code prompt} on this JVM: up to {@code maxBytes} bytes (see
     * {@link Inference#generate}), decoded by the model's tokenizer.
     */
    public byte[] generate(ComputeSettings compute, byte[] prompt, int maxBytes, double temperature, int topK, long seed)
            throws Exception {
        int[] promptIds = tokenizer.encode(prompt);
        int newline = tokenizer.encode(new byte[] {'\n'})[0];
        int[] lengths = new int[config.vocabSize()];
        for (int id = 0; id < lengths.length; id++) {
            lengths[id] = tokenizer.isBytes() ? 1 : tokenizer.decode(new int[] {id}).length;
        }
        int[] ids = Inference.with(config, theta, compute, null, 1, // on the driver: no Spark GPU
                inference -> inference.generate(promptIds, newline, maxBytes, id -> lengths[id], temperature, topK, seed));
        byte[] text = tokenizer.decode(ids);
        return text.length > maxBytes ? Arrays.copyOf(text, maxBytes) : text;
    }

    /**
     * The model in {@code dir}: a run's {@code --out} or a saved DiLoCoModel. Throws a
     * {@link UserError} naming what is missing or wrong.
     */
    @SuppressWarnings("unchecked")
    public static WithHistory load(Configuration conf, String dir) {
        HadoopFiles files = new HadoopFiles(conf);
        Path root = new Path(dir);
        try {
            boolean run = exists(files, new Path(root, RunOutput.MODEL));
            Path data = run ? root : new Path(root, DATA);
            Path weights = new Path(data, RunOutput.MODEL);
            UserError.check(run || exists(files, weights), "no model in %s: expected a run's output directory "
                    + "(model.safetensors) or a saved DiLoCoModel (data/model.safetensors)", dir);
            SafeTensors.Contents c = SafeTensors.read(files.read(weights));
            String shape = c.metadata.get("model_config");
            UserError.check(shape != null, "%s has no model_config metadata: it was not written by this project", weights);
            ModelConfig config = ModelConfig.fromMap(Json.parseObject(shape));
            float[] theta = c.flatten(new Gpt(config).layout());
            Path info = new Path(data, run ? RunOutput.RUN_JSON : TRAINING);
            Map<String, Object> training = exists(files, info)
                    ? Json.parseObject(new String(files.read(info), StandardCharsets.UTF_8)) : Map.of();
            Object cfg = training.get("config");
            Object initial = training.get("initial_val_loss");
            List<RoundMetrics> history = new ArrayList<>();
            Path lines = new Path(data, run ? RunOutput.METRICS : HISTORY);
            if (exists(files, lines)) {
                for (String line : new String(files.read(lines), StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isBlank()) {
                        history.add(Records.fromJson(RoundMetrics.class, Json.parseObject(line)));
                    }
                }
            }
            Path tokenizerFile = new Path(data, Tokenizers.FILE);
            Tokenizer tokenizer = exists(files, tokenizerFile)
                    ? JsonTokenizer.of(tokenizerFile.toString(), files.read(tokenizerFile)) : Tokenizer.BYTES;
            UserError.check(tokenizer.vocabSize() == config.vocabSize(),
                    "%s has a vocabulary of %d, the model %d: not this model's tokenizer", tokenizerFile,
                    tokenizer.vocabSize(), config.vocabSize());
            return new WithHistory(new SavedModel(config, theta,
                    cfg instanceof Map ? (Map<String, Object>) cfg : Map.of(),
                    initial instanceof Number n ? n.doubleValue() : null, tokenizer), history);
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserError) {
                throw (UserError) e;
            }
            throw new UserError("cannot read the model in " + dir + ": " + String.valueOf(e.getMessage()).split("\n")[0]);
        }
    }

    private static boolean exists(HadoopFiles files, Path p) throws IOException {
        return files.fileSystem(p).exists(p);
    }
}
