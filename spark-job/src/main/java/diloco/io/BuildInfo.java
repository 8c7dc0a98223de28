package diloco.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Git revision (embedded at build time), library versions and native settings, for run.json. */
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
        m.put("mkl_fast_paths", mklFastPaths());
        m.put("java", System.getProperty("java.version"));
        return m;
    }

    /**
     * Whether this process preloaded the library that lets libtorch's MKL use its fastest kernels
     * on non-Intel CPUs (src/main/native/mkl_fast_paths.c; ./submit.sh does).
     */
    public static boolean mklFastPaths() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/maps"))
                    .contains("libdiloco_mkl_fast_paths");
        } catch (IOException | RuntimeException e) {
            return false; // not Linux
        }
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
