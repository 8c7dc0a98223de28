package diloco.checkpoint;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/** One file of a checkpoint as its manifest lists it: path relative to the checkpoint, size, SHA-256. */
public final class FileEntry implements Serializable {
    private static final long serialVersionUID = 1L;

    public final String path;
    public final long bytes;
    public final String sha256;

    public FileEntry(String path, long bytes, String sha256) {
        this.path = path;
        this.bytes = bytes;
        this.sha256 = sha256;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", path);
        m.put("bytes", bytes);
        m.put("sha256", sha256);
        return m;
    }

    static FileEntry fromMap(Map<String, Object> m) {
        return new FileEntry((String) m.get("path"), ((Number) m.get("bytes")).longValue(), (String) m.get("sha256"));
    }
}
