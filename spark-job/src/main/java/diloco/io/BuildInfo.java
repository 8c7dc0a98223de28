package diloco.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Git revision (embedded at build time) and library versions, for run.json. */
public final class BuildInfo {
    private BuildInfo() {}

    public static Map<String, Object> describe(String sparkVersion) {
        Properties git = load("diloco-git.properties");
        Properties torch = load("native/lib/pytorch.properties");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("git_revision", git.getProperty("git.commit.id", "unknown"));
        m.put("git_dirty", git.getProperty("git.dirty", "unknown"));
        m.put("spark", sparkVersion);
        m.put("djl", ai.djl.engine.Engine.getDjlVersion());
        m.put("pytorch_bundled", torch.getProperty("version", "none") + "-" + torch.getProperty("flavor", "?"));
        m.put("java", System.getProperty("java.version"));
        return m;
    }

    private static Properties load(String resource) {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getClassLoader().getResourceAsStream(resource)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // informational only
        }
        return p;
    }
}
