package diloco.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import diloco.DjlEngine;
import diloco.model.Gpt;
import diloco.model.ModelConfig;
import diloco.option.UserError;
import diloco.tokenize.Tokenizer;

import org.apache.commons.math3.special.Erf;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The exported directory is a Hugging Face GPT-2: a forward pass written here from transformers'
 * GPT-2 definition (Conv1D is x·W + b with W stored (in, out); q, k, v split from c_attn; the GELU
 * that config.json names; tied lm_head), reading only the exported files, gives the job's own
 * logits. θ is random everywhere (biases and LayerNorm gains too), so a weight loaded in the wrong
 * orientation, even a square one, shows.
 */
class HuggingFaceGpt2Test {
    @RegisterExtension
    static final DjlEngine DJL = new DjlEngine();
    static final ModelConfig SHAPE = new ModelConfig(256, 16, 2, 24, 3, 0f);
    /** A sub-word vocabulary's model (the tokenizer file does not enter the forward). */
    static final ModelConfig SUBWORD_SHAPE = new ModelConfig(300, 16, 2, 24, 3, 0f);

    @TempDir
    java.nio.file.Path tmp;

    static float[] randomTheta(ModelConfig cfg, long seed) {
        float[] theta = new float[new Gpt(cfg).layout().size()];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < theta.length; i++) {
            theta[i] = (float) (rng.nextGaussian() * 0.3);
        }
        return theta;
    }

    @Test
    void anIndependentGpt2ForwardOfTheExportGivesTheJobsLogits() throws Exception {
        for (ModelConfig shape : List.of(SHAPE, SUBWORD_SHAPE)) {
            forwardAgrees(shape);
        }
    }

    /** {@code shape}'s model exported and read back by the reference forward. */
    private void forwardAgrees(ModelConfig shape) throws Exception {
        float[] theta = randomTheta(shape, 5);
        java.nio.file.Path dir = tmp.resolve("hf-" + shape.vocabSize());
        HuggingFaceGpt2.write(new Configuration(), new Path(dir.toString()), shape, theta, Tokenizer.BYTES.json());

        Map<String, Object> config = Json.parseObject(Files.readString(dir.resolve(HuggingFaceGpt2.CONFIG)));
        assertEquals("gpt2", config.get("model_type"));
        assertEquals(List.of("GPT2LMHeadModel"), config.get("architectures"));
        SafeTensors.Contents weights = SafeTensors.read(Files.readAllBytes(dir.resolve(HuggingFaceGpt2.WEIGHTS)));
        assertFalse(weights.tensors.containsKey("lm_head.weight"), "tied to the token embedding, not stored");
        assertEquals(List.of(24L, 72L), List.of(weights.shapes.get("transformer.h.0.attn.c_attn.weight")[0],
                weights.shapes.get("transformer.h.0.attn.c_attn.weight")[1]), "Conv1D: (in, out)");
        Gpt2 reference = new Gpt2(config, weights.tensors);

        Gpt gpt = new Gpt(shape);
        SplittableRandom rng = new SplittableRandom(9);
        for (int length : new int[] {1, 7, 16}) {
            long[] tokens = new long[length];
            for (int i = 0; i < length; i++) {
                tokens[i] = rng.nextInt(shape.vocabSize());
            }
            float[] ours;
            try (NDManager m = DJL.manager().newSubManager()) {
                NDList params = gpt.layout().toArrays(theta, m);
                NDArray logits = gpt.logits(params, m.create(tokens, new Shape(1, length)), false);
                ours = logits.toFloatArray();
            }
            double[][] theirs = reference.logits(tokens);
            double worst = 0;
            int vocab = shape.vocabSize();
            assertEquals(vocab, theirs[0].length, "the reference reads the vocabulary from config.json");
            for (int t = 0; t < length; t++) {
                for (int v = 0; v < vocab; v++) {
                    worst = Math.max(worst, Math.abs(ours[t * vocab + v] - theirs[t][v]));
                }
            }
            assertTrue(worst <= 1e-4, "vocabulary " + vocab + ", length " + length + ": logits differ by " + worst);
        }
    }

    /**
     * config.json names the GELU the model computes: DJL's GELU is the exact (erf) form, which
     * transformers calls "gelu", not the tanh approximation ("gelu_new"), 1e-4 away at x = 2.
     */
    @Test
    void theActivationNamedInTheConfigIsTheOneTheModelComputes() throws Exception {
        assertEquals("gelu", HuggingFaceGpt2.config(SHAPE).get("activation_function"));
        double[] xs = {-3, -1, -0.5, 0.5, 1, 2, 3};
        float[] ours;
        try (NDManager m = DJL.manager().newSubManager()) {
            float[] in = new float[xs.length];
            for (int i = 0; i < xs.length; i++) {
                in[i] = (float) xs[i];
            }
            ours = Activation.gelu(m.create(in)).toFloatArray();
        }
        for (int i = 0; i < xs.length; i++) {
            double x = xs[i];
            double exact = 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
            assertEquals(exact, ours[i], 1e-6, "gelu(" + x + ")");
        }
        double x = 2;
        double tanh = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        assertTrue(Math.abs(tanh - ours[5]) > 5e-5, "the tanh form is told apart: " + tanh + " vs " + ours[5]);
    }

    /** Each byte is its own token, id = the byte, under GPT-2's byte symbols. */
    @Test
    void theByteTokenizerMapsEachByteToItsId() throws Exception {
        java.nio.file.Path dir = tmp.resolve("hf");
        HuggingFaceGpt2.write(new Configuration(), new Path(dir.toString()), SHAPE, randomTheta(SHAPE, 1),
                Tokenizer.BYTES.json());
        Map<String, Object> tokenizer = Json.parseObject(Files.readString(dir.resolve(HuggingFaceGpt2.TOKENIZER),
                StandardCharsets.UTF_8));
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) tokenizer.get("model");
        @SuppressWarnings("unchecked")
        Map<String, Number> vocab = (Map<String, Number>) model.get("vocab");
        assertEquals("BPE", model.get("type"));
        assertEquals(List.of(), model.get("merges"));
        assertEquals(256, vocab.size());
        assertEquals(256, vocab.values().stream().map(Number::intValue).distinct().count(), "ids 0..255, each once");
        // GPT-2's well-known symbols: 'A' is itself, space is Ġ (U+0120), newline Ċ (U+010A), NUL Ā (U+0100)
        assertEquals(65, vocab.get("A").intValue());
        assertEquals(32, vocab.get("\u0120").intValue());
        assertEquals(10, vocab.get("\u010A").intValue());
        assertEquals(0, vocab.get("\u0100").intValue());
        assertEquals(255, vocab.get("\u00FF").intValue());
        assertEquals(173, vocab.get("\u0143").intValue(), "the soft hyphen, last of the 68 unprintable bytes");
    }

    @Test
    void aDirectoryThatIsNotEmptyIsRefused() throws Exception {
        java.nio.file.Path dir = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(dir.resolve("keep.txt"), "mine");
        UserError e = assertThrows(UserError.class, () -> HuggingFaceGpt2.write(new Configuration(),
                new Path(dir.toString()), SHAPE, randomTheta(SHAPE, 1), Tokenizer.BYTES.json()));
        assertTrue(e.getMessage().contains("is not empty"), e.getMessage());
        assertEquals("mine", Files.readString(dir.resolve("keep.txt")));
    }

    /** GPT-2's forward as transformers defines it, in doubles, from config.json and the weights by name. */
    static final class Gpt2 {
        private final Map<String, float[]> w;
        private final int d;
        private final int layers;
        private final int heads;
        private final int vocab;
        private final double eps;
        private final boolean tanhGelu;

        Gpt2(Map<String, Object> config, Map<String, float[]> weights) {
            this.w = weights;
            this.d = ((Number) config.get("n_embd")).intValue();
            this.layers = ((Number) config.get("n_layer")).intValue();
            this.heads = ((Number) config.get("n_head")).intValue();
            this.vocab = ((Number) config.get("vocab_size")).intValue();
            this.eps = ((Number) config.get("layer_norm_epsilon")).doubleValue();
            this.tanhGelu = "gelu_new".equals(config.get("activation_function"));
        }

        double[][] logits(long[] tokens) {
            int n = tokens.length;
            double[][] h = new double[n][d];
            for (int t = 0; t < n; t++) {
                for (int j = 0; j < d; j++) {
                    h[t][j] = w.get("transformer.wte.weight")[(int) tokens[t] * d + j] + w.get("transformer.wpe.weight")[t * d + j];
                }
            }
            for (int i = 0; i < layers; i++) {
                String p = "transformer.h." + i + ".";
                add(h, attention(layerNorm(h, p + "ln_1"), p + "attn."));
                double[][] f = conv1d(layerNorm(h, p + "ln_2"), p + "mlp.c_fc", d, 4 * d);
                for (double[] row : f) {
                    for (int j = 0; j < row.length; j++) {
                        row[j] = gelu(row[j]);
                    }
                }
                add(h, conv1d(f, p + "mlp.c_proj", 4 * d, d));
            }
            double[][] x = layerNorm(h, "transformer.ln_f");
            float[] wte = w.get("transformer.wte.weight"); // lm_head, tied
            double[][] out = new double[n][vocab];
            for (int t = 0; t < n; t++) {
                for (int v = 0; v < vocab; v++) {
                    double s = 0;
                    for (int j = 0; j < d; j++) {
                        s += x[t][j] * wte[v * d + j];
                    }
                    out[t][v] = s;
                }
            }
            return out;
        }

        /** q, k, v = c_attn(x).split(d); per head softmax(q·kᵀ/√hd + causal mask)·v; c_proj. */
        private double[][] attention(double[][] x, String p) {
            int n = x.length;
            int hd = d / heads;
            double[][] qkv = conv1d(x, p + "c_attn", d, 3 * d);
            double[][] y = new double[n][d];
            for (int head = 0; head < heads; head++) {
                int q0 = head * hd;
                int k0 = d + head * hd;
                int v0 = 2 * d + head * hd;
                for (int t = 0; t < n; t++) {
                    double[] scores = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        double dot = 0;
                        for (int j = 0; j < hd; j++) {
                            dot += qkv[t][q0 + j] * qkv[s][k0 + j];
                        }
                        scores[s] = dot / Math.sqrt(hd);
                        max = Math.max(max, scores[s]);
                    }
                    double total = 0;
                    for (int s = 0; s <= t; s++) {
                        scores[s] = Math.exp(scores[s] - max);
                        total += scores[s];
                    }
                    for (int s = 0; s <= t; s++) {
                        for (int j = 0; j < hd; j++) {
                            y[t][q0 + j] += scores[s] / total * qkv[s][v0 + j];
                        }
                    }
                }
            }
            return conv1d(y, p + "c_proj", d, d);
        }

        /** transformers' Conv1D: x·W + b, W stored (in, out). */
        private double[][] conv1d(double[][] x, String name, int in, int out) {
            float[] weight = w.get(name + ".weight");
            float[] bias = w.get(name + ".bias");
            double[][] y = new double[x.length][out];
            for (int t = 0; t < x.length; t++) {
                for (int o = 0; o < out; o++) {
                    double s = bias[o];
                    for (int i = 0; i < in; i++) {
                        s += x[t][i] * weight[i * out + o];
                    }
                    y[t][o] = s;
                }
            }
            return y;
        }

        private double[][] layerNorm(double[][] x, String name) {
            float[] gain = w.get(name + ".weight");
            float[] bias = w.get(name + ".bias");
            double[][] y = new double[x.length][d];
            for (int t = 0; t < x.length; t++) {
                double mean = 0;
                for (double v : x[t]) {
                    mean += v / d;
                }
                double var = 0;
                for (double v : x[t]) {
                    var += (v - mean) * (v - mean) / d;
                }
                for (int j = 0; j < d; j++) {
                    y[t][j] = (x[t][j] - mean) / Math.sqrt(var + eps) * gain[j] + bias[j];
                }
            }
            return y;
        }

        private double gelu(double x) {
            return tanhGelu ? 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)))
                    : 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
        }

        private static void add(double[][] h, double[][] x) {
            for (int t = 0; t < h.length; t++) {
                for (int j = 0; j < h[t].length; j++) {
                    h[t][j] += x[t][j];
                }
            }
        }
    }
}
