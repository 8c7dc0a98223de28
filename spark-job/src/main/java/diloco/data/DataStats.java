package diloco.data;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run trained and validated on; the fingerprint identifies the data across runs.
 *
 * @param documents       documents read
 * @param tokens          their tokens
 * @param valDocuments    documents held out for validation
 * @param valTokens       their tokens
 * @param valBytes        their bytes (tokens per byte turn a loss per token into bits per byte)
 * @param fingerprint     order-independent hash of every (id, content) pair, plus counts
 * @param workerTokens    training tokens per worker
 * @param workerDocuments training documents per worker
 */
public record DataStats(long documents, long tokens, long valDocuments, long valTokens, long valBytes, String fingerprint,
        long[] workerTokens, long[] workerDocuments) implements Serializable {

    /** Validation tokens per byte of validation text (1 for bytes; 1 without validation). */
    public double valTokensPerByte() {
        return valBytes == 0 ? 1.0 : (double) valTokens / valBytes;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fingerprint", fingerprint);
        m.put("documents", documents);
        m.put("tokens", tokens);
        m.put("val_documents", valDocuments);
        m.put("val_tokens", valTokens);
        m.put("val_bytes", valBytes);
        m.put("worker_documents", workerDocuments);
        m.put("worker_tokens", workerTokens);
        return m;
    }
}
