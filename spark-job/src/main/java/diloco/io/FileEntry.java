package diloco.io;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A written file as a checkpoint manifest lists it: its path relative to the checkpoint, its size
 * and SHA-256.
 */
public record FileEntry(String path, long bytes, String sha256) implements Serializable {

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", path);
        m.put("bytes", bytes);
        m.put("sha256", sha256);
        return m;
    }

    public static FileEntry fromMap(Map<String, Object> m) {
        return new FileEntry((String) m.get("path"), ((Number) m.get("bytes")).longValue(), (String) m.get("sha256"));
    }
}
