package diloco.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.config.Options;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What {@code ./submit.sh yarn|k8s} hands spark-submit ({@code DRY_RUN=1}): executors sized to the
 * workers, dynamic allocation off, and the MKL fast-paths library shipped and preloaded; and the
 * Kubernetes image's entrypoint, run here, preloading the library into the process it starts.
 */
class SubmitScriptTest {
    static final Path SUBMIT = Path.of("..", "submit.sh");
    static final Path ENTRYPOINT = Path.of("..", "deploy", "k8s", "diloco-entrypoint.sh");
    /** submit.sh takes the newest build's library, beside its jar, else the Spark 4 build's. */
    static final boolean BUILT = Files.isRegularFile(Path.of("target", "libdiloco_mkl_fast_paths.so"))
            || Files.isRegularFile(Path.of("target", "spark3.5_2.12", "libdiloco_mkl_fast_paths.so"));

    record Outcome(int exit, String out) {
        List<String> words() {
            return List.of(out.trim().split("\\s+"));
        }

        /** The value after {@code flag}, or null. */
        String value(String flag) {
            List<String> w = words();
            int i = w.indexOf(flag);
            return i >= 0 && i + 1 < w.size() ? w.get(i + 1) : null;
        }

        Map<String, String> conf() {
            Map<String, String> conf = new LinkedHashMap<>();
            List<String> w = words();
            for (int i = 0; i + 1 < w.size(); i++) {
                if (w.get(i).equals("--conf")) {
                    String kv = w.get(i + 1);
                    conf.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
                }
            }
            return conf;
        }
    }

    static Outcome run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "returns");
        return new Outcome(p.exitValue(), out);
    }

    static Outcome dryRun(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", SUBMIT.toString()));
        cmd.addAll(List.of(args));
        Map<String, String> all = new LinkedHashMap<>(env);
        all.put("DRY_RUN", "1");
        all.putIfAbsent("K8S_MASTER", "https://k8s.example:6443");
        all.putIfAbsent("K8S_IMAGE", "registry.example.com/diloco/diloco-spark:0.1.0");
        Outcome o = run(cmd, all);
        assertEquals(0, o.exit(), o.out());
        return o;
    }

    @Test
    void executorsFollowTheWorkersAndStayForTheRun() throws Exception {
        assertEquals("5", dryRun(Map.of(), "yarn", "train", "--data", "d", "--workers", "5").value("--num-executors"));
        assertEquals("6", dryRun(Map.of(), "k8s", "train", "--data", "d", "--workers=6").value("--num-executors"));
        // without --workers: the job's own default
        assertEquals(Options.WORKERS.defaultValue().toString(),
                dryRun(Map.of(), "yarn", "train", "--data", "d").value("--num-executors"));
        assertEquals("3", dryRun(Map.of("NUM_EXECUTORS", "3"), "yarn", "train", "--workers", "5").value("--num-executors"));
        for (String mode : List.of("yarn", "k8s")) {
            assertEquals("false", dryRun(Map.of(), mode, "train").conf().get("spark.dynamicAllocation.enabled"), mode);
        }
    }

    @Test
    void yarnShipsTheFastPathsLibraryAndPreloadsItInEveryContainer() throws Exception {
        Outcome yarn = dryRun(Map.of(), "yarn", "train", "--data", "d");
        Map<String, String> conf = yarn.conf();
        if (BUILT) {
            String files = yarn.value("--files");
            assertTrue(files != null && files.endsWith("/libdiloco_mkl_fast_paths.so") && Files.isRegularFile(Path.of(files)),
                    "--files " + files);
            // YARN links --files into each container's working directory, the driver's too in cluster mode
            assertEquals("./libdiloco_mkl_fast_paths.so", conf.get("spark.executorEnv.LD_PRELOAD"));
            assertEquals("./libdiloco_mkl_fast_paths.so", conf.get("spark.yarn.appMasterEnv.LD_PRELOAD"));
        } else {
            assertFalse(conf.containsKey("spark.executorEnv.LD_PRELOAD"), "nothing to preload: " + conf);
        }
        Outcome off = dryRun(Map.of("DILOCO_MKL_FAST_PATHS", "0"), "yarn", "train", "--data", "d");
        assertFalse(off.out().contains("libdiloco_mkl_fast_paths"), off.out());
        // Kubernetes: the image has its own copy; turned off through the pods' environment
        Outcome k8s = dryRun(Map.of(), "k8s", "train");
        assertFalse(k8s.conf().containsKey("spark.executorEnv.DILOCO_MKL_FAST_PATHS"), k8s.out());
        Map<String, String> k8sOff = dryRun(Map.of("DILOCO_MKL_FAST_PATHS", "0"), "k8s", "train").conf();
        assertEquals("0", k8sOff.get("spark.executorEnv.DILOCO_MKL_FAST_PATHS"));
        assertEquals("0", k8sOff.get("spark.kubernetes.driverEnv.DILOCO_MKL_FAST_PATHS"));
    }

    /**
     * The image's entrypoint starts Spark's with the library preloaded: here it starts {@code cat
     * /proc/self/maps} instead, which lists the libraries of the process it became.
     */
    @Test
    void theImagesEntrypointPreloadsTheLibraryUnlessToldNot(@TempDir Path tmp) throws Exception {
        Path lib = tmp.resolve("libdiloco_mkl_fast_paths.so");
        Path built = Path.of("target", "libdiloco_mkl_fast_paths.so");
        if (!Files.isRegularFile(built)) {
            built = Path.of("target", "spark3.5_2.12", "libdiloco_mkl_fast_paths.so");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(built), "the library was built (a C compiler)");
        Files.copy(built, lib);
        List<String> cmd = List.of("bash", ENTRYPOINT.toString(), "/proc/self/maps");
        Map<String, String> env = new LinkedHashMap<>(Map.of("DILOCO_SPARK_ENTRYPOINT", "/bin/cat",
                "DILOCO_MKL_FAST_PATHS_LIBRARY", lib.toString()));
        Outcome on = run(cmd, env);
        assertEquals(0, on.exit(), on.out());
        assertTrue(on.out().contains(lib.toString()), "mapped in the process started:\n" + on.out());
        env.put("DILOCO_MKL_FAST_PATHS", "0");
        Outcome off = run(cmd, env);
        assertEquals(0, off.exit(), off.out());
        assertFalse(off.out().contains("libdiloco_mkl_fast_paths"), off.out());
        // the image's Dockerfile copies both and makes this script its entrypoint; .dockerignore lets them in
        String dockerfile = Files.readString(Path.of("..", "deploy", "k8s", "Dockerfile"));
        assertTrue(dockerfile.contains("spark-job/target/libdiloco_mkl_fast_path[s].so")
                && dockerfile.contains("deploy/k8s/diloco-entrypoint.sh /opt/diloco/"), "COPY");
        assertTrue(dockerfile.contains("ENTRYPOINT [\"/opt/diloco/diloco-entrypoint.sh\"]"), "ENTRYPOINT");
        String ignore = Files.readString(Path.of("..", ".dockerignore"));
        assertTrue(ignore.contains("!spark-job/target/libdiloco_mkl_fast_paths.so")
                && ignore.contains("!deploy/k8s/diloco-entrypoint.sh"), ignore);
    }
}
