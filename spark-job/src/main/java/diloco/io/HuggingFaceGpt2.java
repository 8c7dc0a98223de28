package diloco.io;

import diloco.model.Gpt;
import diloco.model.ModelConfig;
import diloco.model.ParamLayout;
import diloco.option.UserError;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 *   tokenizer.json     the byte tokenizer as byte-level BPE with no merges: each byte its own token, id = the byte
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
     * of shape {@code cfg} with parameters {@code theta}.
     */
    public static void write(Configuration conf, Path dir, ModelConfig cfg, float[] theta) throws IOException {
        HadoopFiles files = new HadoopFiles(conf);
        UserError.check(files.isMissingOrEmpty(dir), "%s is not empty: export into a new directory", dir);
        UserError.check(cfg.vocabSize() == 256, "only the byte tokenizer (vocabulary 256) can be exported, the model has %d",
                cfg.vocabSize());
        files.write(new Path(dir, WEIGHTS), out -> SafeTensors.write(out, tensors(cfg, theta), Map.of("format", "pt")));
        files.writeString(new Path(dir, CONFIG), Json.pretty(config(cfg)));
        files.writeString(new Path(dir, TOKENIZER), Json.pretty(byteTokenizer()));
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

    /** config.json of a model of shape {@code cfg}. */
    static Map<String, Object> config(ModelConfig cfg) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_type", "gpt2");
        m.put("architectures", List.of("GPT2LMHeadModel"));
        m.put("vocab_size", cfg.vocabSize());
        m.put("n_positions", cfg.context());
        m.put("n_ctx", cfg.context());
        m.put("n_embd", cfg.dModel());
        m.put("n_layer", cfg.layers());
        m.put("n_head", cfg.heads());
        m.put("n_inner", null);
        m.put("activation_function", ACTIVATION);
        m.put("layer_norm_epsilon", 1e-5);
        m.put("resid_pdrop", (double) cfg.dropout());
        m.put("embd_pdrop", (double) cfg.dropout());
        m.put("attn_pdrop", (double) cfg.dropout());
        m.put("initializer_range", 0.02);
        m.put("tie_word_embeddings", true);
        m.put("bos_token_id", null);
        m.put("eos_token_id", null);
        m.put("torch_dtype", "float32");
        return m;
    }

    /**
     * The byte tokenizer in Hugging Face's format: byte-level BPE whose vocabulary is GPT-2's 256
     * byte symbols with id = the byte, and no merges, so every byte is its own token.
     */
    static Map<String, Object> byteTokenizer() {
        Map<String, Object> byteLevel = new LinkedHashMap<>();
        byteLevel.put("type", "ByteLevel");
        byteLevel.put("add_prefix_space", false);
        byteLevel.put("trim_offsets", true);
        byteLevel.put("use_regex", true);
        Map<String, Object> vocab = new LinkedHashMap<>();
        String[] symbols = byteSymbols();
        for (int b = 0; b < 256; b++) {
            vocab.put(symbols[b], b);
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", null);
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("vocab", vocab);
        model.put("merges", List.of());
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("version", "1.0");
        t.put("truncation", null);
        t.put("padding", null);
        t.put("added_tokens", List.of());
        t.put("normalizer", null);
        t.put("pre_tokenizer", byteLevel);
        t.put("post_processor", null);
        t.put("decoder", byteLevel);
        t.put("model", model);
        return t;
    }

    /**
     * GPT-2's printable symbol of each byte ({@code bytes_to_unicode}): the 188 printable Latin-1
     * bytes stand for themselves, the other 68 for U+0100 onwards, in byte order.
     */
    static String[] byteSymbols() {
        String[] symbols = new String[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            symbols[b] = new String(Character.toChars(printable ? b : next++));
        }
        return symbols;
    }
}
