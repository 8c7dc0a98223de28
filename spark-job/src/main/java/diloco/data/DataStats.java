package diloco.data;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the run trained and validated on; the fingerprint identifies the data across runs. */
public final class DataStats implements Serializable {
    private static final long serialVersionUID = 1L;

    public final long documents;
    public final long tokens;
    public final long valDocuments;
    public final long valTokens;
    /** Order-independent hash of every (id, content) pair, plus counts. */
    public final String fingerprint;
    public final long[] workerTokens;
    public final long[] workerDocuments;

    public DataStats(long documents, long tokens, long valDocuments, long valTokens, String fingerprint,
            long[] workerTokens, long[] workerDocuments) {
        this.documents = documents;
        this.tokens = tokens;
        this.valDocuments = valDocuments;
        this.valTokens = valTokens;
        this.fingerprint = fingerprint;
        this.workerTokens = workerTokens;
        this.workerDocuments = workerDocuments;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fingerprint", fingerprint);
        m.put("documents", documents);
        m.put("tokens", tokens);
        m.put("val_documents", valDocuments);
        m.put("val_tokens", valTokens);
        m.put("worker_documents", workerDocuments);
        m.put("worker_tokens", workerTokens);
        return m;
    }
}
