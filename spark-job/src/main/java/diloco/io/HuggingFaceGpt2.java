package diloco.io;

import diloco.model.Gpt;
import diloco.model.ModelConfig;
import diloco.model.ParamLayout;
import diloco.option.UserError;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A trained model as a Hugging Face GPT-2 directory, the interchange format that
 * {@code transformers}' {@code GPT2LMHeadModel.from_pretrained} reads:
 *
 * <pre>
 *   config.json        model_type gpt2, the shape, activation_function "gelu" (the exact, erf form Gpt computes)
 *   model.safetensors  GPT-2's layout: "transformer." prefix, Conv1D weights as (in, out), the transpose of
 *                      the job's nn.Linear (out, in); lm_head tied to wte, so not stored
 *   tokenizer.json     the model's tokenizer (the byte tokenizer: byte-level BPE with no merges, id = the byte)
 * </pre>
 *
 * The job's own {@code model.safetensors} stays as it is (resume and the job's tools read it); this
 * is what leaves the project.
 */
public final class HuggingFaceGpt2 {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String TOKENIZER = "tokenizer.json";
    /** transformers' name for PyTorch's default (exact, erf) GELU, the one {@link Gpt} computes. */
    static final String ACTIVATION = "gelu";
    /** The job's weights stored (out, in) that GPT-2's Conv1D stores (in, out). */
    private static final List<String> CONV1D = List.of("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight",
            "mlp.c_proj.weight");

    private HuggingFaceGpt2() {}

    /**
     * Writes the directory {@code dir} (any Hadoop path; it must be missing or empty) for the model
     * of shape {@code cfg} with parameters {@code theta} and the tokenizer.json {@code tokenizer}.
     */
    public static void write(Configuration conf, Path dir, ModelConfig cfg, float[] theta, byte[] tokenizer)
            throws IOException {
        HadoopFiles files = new HadoopFiles(conf);
        UserError.check(files.isMissingOrEmpty(dir), "%s is not empty: export into a new directory", dir);
        files.write(new Path(dir, WEIGHTS), out -> SafeTensors.write(out, tensors(cfg, theta), Map.of("format", "pt")));
        files.writeString(new Path(dir, CONFIG), Json.pretty(config(cfg)));
        files.write(new Path(dir, TOKENIZER), out -> out.write(tokenizer));
    }

    /** θ's tensors under GPT-2's names and shapes. */
    static List<SafeTensors.Tensor> tensors(ModelConfig cfg, float[] theta) {
        ParamLayout layout = new Gpt(cfg).layout();
        List<SafeTensors.Tensor> out = new ArrayList<>();
        for (ParamLayout.Entry e : layout.entries()) {
            String name = "transformer." + e.name;
            if (CONV1D.stream().anyMatch(e.name::endsWith)) {
                int rows = (int) e.shape[0];
                int cols = (int) e.shape[1];
                out.add(new SafeTensors.Tensor(name, new long[] {cols, rows}, transpose(theta, e.offset, rows, cols), 0,
                        e.size));
            } else {
                out.add(new SafeTensors.Tensor(name, e.shape, theta, e.offset, e.size));
            }
        }
        return out;
    }

    /** The (rows × cols) matrix at {@code offset}, row-major, as its (cols × rows) transpose. */
    private static float[] transpose(float[] values, int offset, int rows, int cols) {
        float[] t = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = values[offset + r * cols + c];
            }
        }
        return t;
    }

    /** transformers' GPT2Config, as config.json holds it (components in snake_case, see {@link Records}). */
    record Config(String modelType, List<String> architectures, int vocabSize, int nPositions, int nCtx, int nEmbd,
            int nLayer, int nHead, Integer nInner, String activationFunction, double layerNormEpsilon, double residPdrop,
            double embdPdrop, double attnPdrop, double initializerRange, boolean tieWordEmbeddings, Integer bosTokenId,
            Integer eosTokenId, String torchDtype) {}

    /** config.json of a model of shape {@code cfg}: 4·d inner width, GPT-2's LayerNorm ε, tied embeddings. */
    static Map<String, Object> config(ModelConfig cfg) {
        double p = cfg.dropout();
        return Records.toJson(new Config("gpt2", List.of("GPT2LMHeadModel"), cfg.vocabSize(), cfg.context(), cfg.context(),
                cfg.dModel(), cfg.layers(), cfg.heads(), null, ACTIVATION, 1e-5, p, p, p, 0.02, true, null, null, "float32"));
    }
}
