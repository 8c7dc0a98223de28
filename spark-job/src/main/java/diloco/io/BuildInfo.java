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
        return FastPaths.PRELOADED;
    }

    /** Read once: a library preloaded at process start stays for the process's life. */
    private static final class FastPaths {
        static final boolean PRELOADED = preloaded();

        private static boolean preloaded() {
            try {
                return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/maps"))
                        .contains("libdiloco_mkl_fast_paths");
            } catch (IOException | RuntimeException e) {
                return false; // not Linux
            }
        }
    }

    /**
     * The machine a measurement ran on, as every benchmark and experiment records it: the CPU model
     * (/proc/cpuinfo; "unknown" elsewhere), cores the JVM sees, physical memory, architecture, Java.
     * Machines of one kind differ (their matmul ceilings by 2.6x), so numbers name theirs.
     */
    public static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("memory_gib", Math.round(((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize() / (double) (1L << 30)));
        m.put("os_arch", System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.version"));
        return m;
    }

    /** {@link #machine()} in one line, for reports and table headers. */
    public static String machineLine() {
        Map<String, Object> m = machine();
        return String.format(java.util.Locale.ROOT, "%s, %d cores, %d GiB RAM, %s, Java %s", m.get("cpu"), m.get("cores"),
                m.get("memory_gib"), m.get("os_arch"), m.get("java"));
    }

    /** The first "model name" of /proc/cpuinfo, or "unknown CPU". */
    static String cpuModel() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return "unknown CPU";
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
