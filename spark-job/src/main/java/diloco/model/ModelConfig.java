package diloco.model;

import diloco.option.UserError;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Shape of the GPT model; the presets mirror the paper's Table 1 shapes.
 *
 * @param vocabSize tokens in the vocabulary (256 for bytes)
 * @param context   sequence length T
 * @param layers    transformer blocks
 * @param dModel    model width
 * @param heads     attention heads
 * @param dropout   dropout probability while training
 */
public record ModelConfig(int vocabSize, int context, int layers, int dModel, int heads, float dropout)
        implements Serializable {

    /**
     * Named shapes. {@code tiny} is for unit tests, {@code small} for the local demo; the paper's
     * 60M/150M/400M keep its layers/width/heads (with a 256-byte vocabulary they are smaller
     * than their names: the real count is printed at start).
     */
    public static ModelConfig preset(String name, int vocabSize) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny":
                return new ModelConfig(vocabSize, 32, 2, 32, 2, 0f);
            case "small":
                return new ModelConfig(vocabSize, 128, 4, 128, 4, 0f);
            case "60m":
                return new ModelConfig(vocabSize, 1024, 3, 896, 16, 0f);
            case "150m":
                return new ModelConfig(vocabSize, 1024, 12, 896, 16, 0f);
            case "400m":
                return new ModelConfig(vocabSize, 1024, 12, 1536, 12, 0f);
            default:
                throw new UserError("unknown --preset '" + name + "' (expected tiny, small, 60m, 150m or 400m)");
        }
    }

    public int headDim() {
        return dModel / heads;
    }

    public void validate() {
        UserError.check(vocabSize >= 2, "vocabulary size must be >= 2, got %d", vocabSize);
        UserError.check(context >= 2, "--context must be >= 2, got %d", context);
        UserError.check(layers >= 1, "--layers must be >= 1, got %d", layers);
        UserError.check(dModel >= 1, "--d-model must be >= 1, got %d", dModel);
        UserError.check(heads >= 1, "--heads must be >= 1, got %d", heads);
        UserError.check(dModel % heads == 0, "--d-model (%d) must be divisible by --heads (%d)", dModel, heads);
        UserError.check(dropout >= 0f && dropout < 1f, "--dropout must be in [0, 1), got %s", dropout);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab_size", vocabSize);
        m.put("context", context);
        m.put("layers", layers);
        m.put("d_model", dModel);
        m.put("heads", heads);
        m.put("dropout", dropout);
        return m;
    }

    public static ModelConfig fromMap(Map<String, ?> m) {
        return new ModelConfig(
                ((Number) m.get("vocab_size")).intValue(),
                ((Number) m.get("context")).intValue(),
                ((Number) m.get("layers")).intValue(),
                ((Number) m.get("d_model")).intValue(),
                ((Number) m.get("heads")).intValue(),
                ((Number) m.get("dropout")).floatValue());
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "layers=%d d_model=%d heads=%d context=%d vocab=%d dropout=%s",
                layers, dModel, heads, context, vocabSize, dropout);
    }
}
