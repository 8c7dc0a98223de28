package diloco.run;

import diloco.RoundMetrics;
import diloco.io.HadoopFiles;
import diloco.io.Json;
import diloco.io.Records;
import diloco.io.SafeTensors;
import diloco.model.ModelConfig;
import diloco.model.ParamLayout;
import diloco.option.UserError;
import diloco.tokenize.Tokenizer;
import diloco.tokenize.Tokenizers;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsAction;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files of a run in {@code --out}: {@code run.json}, {@code metrics.jsonl},
 * {@code model.safetensors} and {@code model.json}. Every file is rewritten whole and atomically.
 */
public final class RunOutput {
    public static final String RUN_JSON = "run.json";
    public static final String METRICS = "metrics.jsonl";
    public static final String MODEL = "model.safetensors";
    public static final String MODEL_CONFIG = "model.json";
    private static final String[] OWN_FILES = {RUN_JSON, METRICS, MODEL, MODEL_CONFIG, Tokenizers.FILE, "loss.png",
        "time.png"};
    /** Directories of checkpoints and every-round worker states (see diloco.checkpoint). */
    private static final String[] EARLIER_STATE_DIRS = {"checkpoints", "worker-state"};

    private final HadoopFiles files;
    private final Path dir;
    private final boolean overwrite;
    private final List<RoundMetrics> metrics = new ArrayList<>();

    private RunOutput(HadoopFiles files, Path dir, boolean overwrite) {
        this.files = files;
        this.dir = dir;
        this.overwrite = overwrite;
    }

    /**
     * Checks, without writing anything, that {@code out} can take this run: it is empty or
     * missing (or {@code overwrite} is set) and its nearest existing ancestor is writable.
     */
    public static RunOutput check(Configuration conf, String out, boolean overwrite) {
        HadoopFiles files = new HadoopFiles(conf);
        Path dir = new Path(out);
        try {
            FileSystem fs = files.fileSystem(dir);
            if (fs.exists(dir)) {
                UserError.check(fs.getFileStatus(dir).isDirectory(), "--out %s is a file, not a directory", out);
                UserError.check(overwrite || files.isMissingOrEmpty(dir),
                        "--out %s is not empty: pass --overwrite to replace its run files, or choose another directory", out);
            }
            Path existing = dir;
            while (existing != null && !fs.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing != null) {
                UserError.check(existing.equals(dir) || fs.getFileStatus(existing).isDirectory(),
                        "--out %s is not writable: %s is a file", out, existing);
                fs.access(existing, FsAction.WRITE);
            }
        } catch (org.apache.hadoop.security.AccessControlException e) {
            throw new UserError("--out " + out + " is not writable: " + e.getMessage().split("\n")[0]);
        } catch (IOException e) {
            throw new UserError("cannot use --out " + out + ": " + e.getMessage().split("\n")[0]);
        }
        return new RunOutput(files, dir, overwrite);
    }

    /**
     * Creates the directory; with --overwrite, removes this project's files from an earlier run,
     * and for a {@code fresh} (not resumed) run also that run's checkpoints and worker states, so
     * that a later --resume-if-present can never continue a run of other settings.
     */
    public void create(boolean fresh) throws IOException {
        FileSystem fs = files.fileSystem(dir);
        if (!fs.mkdirs(dir)) {
            throw new UserError("cannot create --out " + dir);
        }
        if (overwrite) {
            for (String name : OWN_FILES) {
                fs.delete(new Path(dir, name), false);
            }
            if (fresh) {
                for (String name : EARLIER_STATE_DIRS) {
                    fs.delete(new Path(dir, name), true);
                }
            }
        }
    }

    public Path dir() {
        return dir;
    }

    public void writeRunJson(Map<String, Object> run) throws IOException {
        files.writeString(new Path(dir, RUN_JSON), Json.pretty(run));
    }

    /** Starts metrics.jsonl over from a checkpoint's rounds (so no round appears twice after a resume). */
    public void restoreMetrics(List<RoundMetrics> rounds) throws IOException {
        metrics.clear();
        metrics.addAll(rounds);
        writeMetrics();
    }

    /** Adds a round and rewrites metrics.jsonl (object stores cannot append). */
    public void appendMetrics(RoundMetrics round) throws IOException {
        metrics.add(round);
        writeMetrics();
    }

    private void writeMetrics() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (RoundMetrics m : metrics) {
            sb.append(Json.line(Records.toJson(m))).append('\n');
        }
        files.writeString(new Path(dir, METRICS), sb.toString());
    }

    /** Writes (replaces) a file of the run, e.g. a chart. */
    public void writeFile(String name, byte[] bytes) throws IOException {
        files.write(new Path(dir, name), o -> o.write(bytes));
    }

    /** The tokenizer beside the model (the byte tokenizer needs no file: model.json says bytes). */
    public void writeTokenizer(Tokenizer tokenizer) throws IOException {
        if (!tokenizer.isBytes()) {
            byte[] json = tokenizer.json();
            files.write(new Path(dir, Tokenizers.FILE), o -> o.write(json));
        }
    }

    public void writeModel(ParamLayout layout, float[] theta, ModelConfig model, Tokenizer tokenizer,
            Map<String, String> metadata) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("format", "pt");
        meta.put("model_config", Json.line(model.toMap()));
        files.write(new Path(dir, MODEL), out -> SafeTensors.write(out, layout, theta, meta));
        Map<String, Object> cfg = new LinkedHashMap<>(model.toMap());
        cfg.put("architecture", "gpt2-style decoder, pre-LayerNorm, GELU MLP, lm_head tied to wte.weight");
        cfg.put("tokenizer", tokenizer.isBytes() ? "bytes" : Tokenizers.FILE);
        cfg.put("tokenizer_sha256", tokenizer.sha256());
        cfg.put("parameters", layout.size());
        cfg.put("weights", MODEL);
        files.writeString(new Path(dir, MODEL_CONFIG), Json.pretty(cfg));
    }
}
