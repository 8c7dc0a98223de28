package diloco.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.cli.CommandLine;
import diloco.config.Options;
import diloco.config.TrainConfig;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * deploy/k8s/diloco-sparkapplication.yaml is a job the operator can submit and the job accepts:
 * its arguments pass the job's own option parser, its shape keeps one DiLoCo worker per executor,
 * and it runs what {@code ./submit.sh k8s} runs (main class, jar in the image, the same Spark
 * settings). The operator's CRD wants strings for arguments and sparkConf values, so an unquoted
 * number, which YAML reads as an integer, is an error here rather than a rejected manifest there.
 */
class SparkApplicationManifestTest {
    static final Path MANIFEST = Path.of("..", "deploy", "k8s", "diloco-sparkapplication.yaml");
    static final Path SUBMIT = Path.of("..", "submit.sh");
    static final Path POM = Path.of("..", "pom.xml");
    static final Path DOCKERFILE = Path.of("..", "deploy", "k8s", "Dockerfile");

    static Map<String, Object> spec;
    static List<String> submitCommand;

    @BeforeAll
    static void read() throws Exception {
        Map<String, Object> manifest;
        try (Reader r = Files.newBufferedReader(MANIFEST, StandardCharsets.UTF_8)) {
            manifest = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
        }
        assertEquals("sparkoperator.k8s.io/v1beta2", manifest.get("apiVersion"), "apiVersion");
        assertEquals("SparkApplication", manifest.get("kind"), "kind");
        spec = map(manifest, "spec");
        submitCommand = submitShK8s();
    }

    /** What {@code DRY_RUN=1 ./submit.sh k8s train} would run, word by word (its defaults need no quoting). */
    static List<String> submitShK8s() throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(SUBMIT.toString(), "k8s", "train", "--data", "s3a://b/d")
                .redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("DRY_RUN", "1");
        env.put("K8S_MASTER", "https://k8s.example:6443");
        env.put("K8S_IMAGE", "registry.example.com/diloco/diloco-spark:0.1.0");
        Process p = pb.start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "submit.sh DRY_RUN returns");
        assertEquals(0, p.exitValue(), "submit.sh DRY_RUN: " + out);
        return List.of(out.trim().split("\\s+"));
    }

    static String firstMatch(Path file, String regex) throws IOException {
        Matcher m = Pattern.compile(regex).matcher(Files.readString(file, StandardCharsets.UTF_8));
        assertTrue(m.find(), file + " has " + regex);
        return m.group(1);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> m, String key) {
        Object v = m.get(key);
        assertInstanceOf(Map.class, v, key + " is a mapping");
        return (Map<String, Object>) v;
    }

    /** The value after {@code flag} in submit.sh's command. */
    static String submitValue(String flag) {
        int i = submitCommand.indexOf(flag);
        assertTrue(i >= 0 && i + 1 < submitCommand.size(), flag + " in " + submitCommand);
        return submitCommand.get(i + 1);
    }

    /** submit.sh's {@code --conf key=value} settings. */
    static Map<String, String> submitConf() {
        Map<String, String> conf = new LinkedHashMap<>();
        for (int i = 0; i + 1 < submitCommand.size(); i++) {
            if (submitCommand.get(i).equals("--conf")) {
                String kv = submitCommand.get(i + 1);
                conf.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        return conf;
    }

    static List<String> arguments() {
        Object v = spec.get("arguments");
        assertInstanceOf(List.class, v, "spec.arguments is a list");
        List<String> args = new ArrayList<>();
        for (Object a : (List<?>) v) {
            assertInstanceOf(String.class, a, "argument " + a + " must be a string (quote it)");
            args.add((String) a);
        }
        return args;
    }

    static Map<String, String> sparkConf() {
        Map<String, String> conf = new LinkedHashMap<>();
        map(spec, "sparkConf").forEach((k, v) -> {
            assertInstanceOf(String.class, v, "sparkConf " + k + " must be a string (quote it)");
            conf.put(k, (String) v);
        });
        return conf;
    }

    static int integer(Map<String, Object> m, String key, String where) {
        Object v = m.get(key);
        assertInstanceOf(Integer.class, v, where + "." + key + " is an integer");
        return (Integer) v;
    }

    @Test
    void runsTheJobOfTheImageAsSubmitShDoes() throws IOException {
        assertEquals("Java", spec.get("type"), "spec.type");
        assertEquals("cluster", spec.get("mode"), "spec.mode");
        assertEquals(submitValue("--class"), spec.get("mainClass"), "main class: submit.sh's");
        assertEquals("diloco.cli.Train", spec.get("mainClass"), "main class");
        String jar = submitCommand.get(submitCommand.indexOf("s3a://b/d") - 2); // the word before "--data PATH"
        assertEquals(jar, spec.get("mainApplicationFile"), "the application jar: submit.sh k8s's default, in the image");
        assertTrue(spec.get("image") instanceof String s && !s.isBlank(), "spec.image");
        // The image is built from the default build (Spark 4.1; -Pspark-3.5 targets YARN), so the versions to
        // agree are the parent POM's default spark.version and the Dockerfile's base image, whatever profile runs.
        String built = firstMatch(POM, "<spark\\.version>([^<]+)</spark\\.version>");
        String image = firstMatch(DOCKERFILE, "ARG SPARK_IMAGE=[^:]+:([0-9.]+)-");
        assertEquals(built, image, "the Dockerfile's base image runs the Spark of the default build");
        assertEquals(built, String.valueOf(spec.get("sparkVersion")), "sparkVersion: the Spark the job is built on");
    }

    @Test
    void argumentsAreAcceptedByTheJob() {
        TrainConfig config = CommandLine.parse(arguments().toArray(new String[0])); // throws UserError on a bad option
        int executors = integer(map(spec, "executor"), "instances", "executor");
        assertEquals(executors, config.get(Options.WORKERS), "--workers = executor.instances: one DiLoCo worker per executor");
    }

    @Test
    void retriedRunsResume() {
        Map<String, Object> restart = map(spec, "restartPolicy");
        assertEquals("OnFailure", restart.get("type"), "restartPolicy.type");
        assertTrue(integer(restart, "onFailureRetries", "restartPolicy") >= 1, "restartPolicy.onFailureRetries >= 1");
        TrainConfig config = CommandLine.parse(arguments().toArray(new String[0]));
        assertTrue(config.get(Options.RESUME_IF_PRESENT),
                "--resume-if-present: a retry runs the same arguments and must continue, not refuse a non-empty --out");
    }

    @Test
    void eachExecutorRunsOneWorkerOnAllItsCores() {
        Map<String, String> conf = sparkConf();
        Map<String, Object> executor = map(spec, "executor");
        Map<String, Object> driver = map(spec, "driver");
        assertEquals(Integer.toString(integer(executor, "cores", "executor")), conf.get("spark.task.cpus"),
                "spark.task.cpus = executor.cores");
        assertEquals("false", conf.get("spark.speculation"), "speculation off");
        assertTrue(conf.containsKey("spark.executor.memoryOverhead") || executor.containsKey("memoryOverhead"),
                "executor memory overhead for PyTorch's native memory");
        for (String role : List.of("driver", "executor")) {
            assertTrue(conf.getOrDefault("spark." + role + ".extraJavaOptions", "").contains("-Dai.djl.offline=true"),
                    role + " keeps DJL offline: " + conf.get("spark." + role + ".extraJavaOptions"));
        }
        integer(driver, "cores", "driver");
        assertInstanceOf(String.class, driver.get("memory"), "driver.memory");
        assertInstanceOf(String.class, executor.get("memory"), "executor.memory");
        assertInstanceOf(String.class, driver.get("serviceAccount"), "driver.serviceAccount");
    }

    /**
     * Every Spark setting submit.sh k8s passes with --conf is in sparkConf too, except the
     * spark.kubernetes.* ones, which the operator derives from image, namespace and serviceAccount.
     */
    @Test
    void sparkConfCoversSubmitShSettings() {
        Map<String, String> conf = sparkConf();
        submitConf().forEach((key, value) -> {
            if (!key.startsWith("spark.kubernetes.")) {
                assertTrue(conf.containsKey(key), "sparkConf lacks " + key + " (submit.sh k8s sets " + key + "=" + value + ")");
            }
        });
    }
}
