package diloco.yarn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.cluster.MavenSparkHome;
import diloco.io.Json;
import diloco.spark.FaultInjection;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * DiLoCo on a real YARN cluster inside the test JVM: a MiniYARNCluster of two NodeManagers beside
 * a MiniDFSCluster, the job submitted the way a user submits it ({@code ./submit.sh yarn}, cluster
 * deploy mode, the driver in the ApplicationMaster's container) from a Spark home assembled from
 * the Maven jars, the corpus read from and every output written to {@code hdfs://}. Faults land at
 * a known point (see FaultInjection): an executor's container killed in the middle of a round, and
 * the ApplicationMaster killed, which YARN answers with a second attempt that continues from the
 * checkpoints on HDFS ({@code --resume-if-present}). Runs under {@code -Pspark-3.5} (the newest
 * Spark with spark-yarn on Maven Central).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnIT {
    static final Path WORK = Paths.get("target", "yarn-it").toAbsolutePath();
    static MiniDFSCluster dfs;
    static MiniYARNCluster yarn;
    static FileSystem hdfs;
    static Path sparkHome;
    static Path hadoopConf;
    static Path logs;

    @BeforeAll
    static void start() throws Exception {
        deleteTree(WORK);
        logs = Files.createDirectories(WORK.resolve("logs"));
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, WORK.resolve("dfs").toString());
        dfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        dfs.waitActive();
        YarnConfiguration yc = new YarnConfiguration(dfs.getConfiguration(0));
        yc.set("yarn.scheduler.capacity.root.queues", "default");
        yc.set("yarn.scheduler.capacity.root.default.capacity", "100");
        yc.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false); // PyTorch's native memory is off the heap
        yc.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        yc.setInt(YarnConfiguration.NM_PMEM_MB, 6144);
        yc.setInt(YarnConfiguration.NM_VCORES, 4);
        yc.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
        yc.setInt(YarnConfiguration.RM_AM_MAX_ATTEMPTS, 2); // a lost ApplicationMaster gets a second attempt
        yc.set(YarnConfiguration.NM_LOG_DIRS, logs.resolve("containers").toString());
        yarn = new MiniYARNCluster("diloco-yarn", 2, 1, 1);
        yarn.init(yc);
        yarn.start();
        waitFor(() -> yarn.getResourceManager().getRMContext().getRMNodes().size() == 2, 120, "two NodeManagers");
        hadoopConf = Files.createDirectories(WORK.resolve("hadoop-conf"));
        Configuration client = new Configuration(yarn.getConfig());
        // the minicluster's rack mapping is a test class, absent from Spark's jars in the containers
        client.set("net.topology.node.switch.mapping.impl", "org.apache.hadoop.net.ScriptBasedMapping");
        for (String site : new String[] {"core-site.xml", "hdfs-site.xml", "yarn-site.xml"}) {
            try (OutputStream out = Files.newOutputStream(hadoopConf.resolve(site))) {
                client.writeXml(out); // everything in each: what the client reads from it
            }
        }
        hdfs = dfs.getFileSystem();
        Path corpus = TestSupport.writeCorpus(WORK.resolve("corpus"));
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(corpus.toUri()), new org.apache.hadoop.fs.Path("/corpus"));
        sparkHome = sparkHome();
    }

    @AfterAll
    static void stop() {
        try {
            if (yarn != null) {
                yarn.stop();
            }
            if (dfs != null) {
                dfs.shutdown();
            }
        } finally { // containers are this JVM's grandchildren: an orphaned one would outlive the build
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * A Spark home as an installation has it, from the Maven jars: {@code jars/} (Spark 3.5 with
     * spark-yarn, as in {@code spark-classpath.txt}), a {@code bin/spark-submit} running Spark's own
     * SparkSubmit with the Hadoop configuration on its classpath, and {@code conf/spark-defaults.conf}
     * pointing YARN containers at those jars.
     */
    static Path sparkHome() throws IOException {
        Path classpath = Paths.get(System.getProperty("diloco.sparkClasspath")); // Spark 3.5 with spark-yarn
        Path home = MavenSparkHome.assemble(WORK.resolve("spark-home"), classpath,
                System.getProperty("diloco.javaOpens") + " -Xmx1g");
        Path conf = Files.createDirectories(home.resolve("conf"));
        Files.writeString(conf.resolve("spark-defaults.conf"), String.join("\n",
                "spark.yarn.jars local:" + home.resolve("jars") + "/*",
                "spark.ui.enabled false", // the UI's filter classes clash with the minicluster's shaded ones
                "spark.yarn.submit.waitAppCompletion true", ""));
        return home;
    }

    /** The job options every run here uses: 2 workers, 4 rounds of 100 steps, a checkpoint per round. */
    static List<String> args(String out, String... extra) {
        List<String> a = new ArrayList<>(List.of("--data", "hdfs:///corpus", "--out", "hdfs:///runs/" + out,
                "--preset", "tiny", "--workers", "2", "--inner-steps", "100", "--rounds", "4", "--batch-size", "8",
                "--inner-lr", "3e-3", "--warmup-steps", "20", "--val-fraction", "0.2", "--val-windows", "16",
                "--checkpoint-every", "1"));
        a.addAll(List.of(extra));
        return a;
    }

    /** {@code ./submit.sh yarn train ARGS} as a user runs it, with the settings in the environment. */
    static Process submit(String name, List<String> args, String sparkSubmitArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", Paths.get("..", "submit.sh").toAbsolutePath().normalize().toString(),
                "yarn", "train"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(logs.resolve(name + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("HADOOP_CONF_DIR", hadoopConf.toString());
        env.put("DILOCO_JAR", System.getProperty("diloco.appJar"));
        env.put("DEPLOY_MODE", "cluster");
        env.put("NUM_EXECUTORS", "2");
        env.put("EXECUTOR_CORES", "1");
        env.put("EXECUTOR_MEMORY", "1g");
        env.put("EXECUTOR_MEMORY_OVERHEAD", "768m");
        env.put("DRIVER_MEMORY", "1g");
        env.put("SPARK_SUBMIT_ARGS", sparkSubmitArgs);
        return pb.start();
    }

    static String log(String name) throws IOException {
        Path p = logs.resolve(name + ".log");
        String s = Files.exists(p) ? Files.readString(p) : "";
        return s.length() > 5000 ? s.substring(s.length() - 5000) : s;
    }

    static int await(Process p, String name) throws Exception {
        assertTrue(p.waitFor(8, TimeUnit.MINUTES), name + " did not finish:\n" + log(name));
        return p.exitValue();
    }

    static List<Map<String, Object>> metrics(String out) throws IOException {
        List<Map<String, Object>> lines = new ArrayList<>();
        for (String l : readHdfs("/runs/" + out + "/metrics.jsonl").split("\n")) {
            if (!l.isBlank()) {
                lines.add(Json.parseObject(l));
            }
        }
        return lines;
    }

    static String readHdfs(String path) throws IOException {
        try (InputStream in = hdfs.open(new org.apache.hadoop.fs.Path(path))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static float[] model(String out) throws IOException {
        byte[] file;
        try (InputStream in = hdfs.open(new org.apache.hadoop.fs.Path("/runs/" + out + "/model.safetensors"))) {
            file = in.readAllBytes();
        }
        return TestSupport.modelValues(file);
    }

    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @SuppressWarnings("unchecked")
    static Set<String> executors(List<Map<String, Object>> lines) {
        Set<String> ids = new HashSet<>();
        for (Map<String, Object> line : lines) {
            for (Map<String, Object> s : (List<Map<String, Object>>) line.get("state_source")) {
                ids.add(String.valueOf(s.get("executor")));
            }
        }
        return ids;
    }

    /** The plain run every fault run must end like: it trains in YARN containers and writes to HDFS. */
    @Test
    @Order(1)
    void trainsInYarnContainersReadingAndWritingHdfs() throws Exception {
        assertEquals(0, await(submit("reference", args("reference"), ""), "reference"), log("reference"));
        List<Map<String, Object>> lines = metrics("reference");
        assertEquals(4, lines.size());
        assertTrue(((Number) lines.get(3).get("val_loss")).doubleValue() < 5.0, "it learned: " + lines.get(3));
        Set<String> ids = executors(lines);
        assertFalse(ids.contains("driver") || ids.contains("none"), "every worker ran in an executor container: " + ids);
        Map<String, Object> run = Json.parseObject(readHdfs("/runs/reference/run.json"));
        Map<String, Object> spark = (Map<String, Object>) run.get("spark");
        assertEquals("yarn", spark.get("master"));
        assertTrue(String.valueOf(spark.get("app_id")).startsWith("application_"), String.valueOf(spark.get("app_id")));
        assertNotNull(run.get("finished_at"));
        // submit.sh shipped the MKL fast-paths library built beside the jar and preloaded it in every container:
        // each worker saw it in its own process, and so did the driver in the ApplicationMaster's
        boolean built = Files.isRegularFile(Paths.get(System.getProperty("diloco.appJar")).resolveSibling(
                "libdiloco_mkl_fast_paths.so"));
        for (Map<String, Object> line : lines) {
            for (Map<String, Object> s : (List<Map<String, Object>>) line.get("state_source")) {
                assertEquals(built, s.get("mkl_fast_paths"), "MKL fast paths in executor " + s.get("executor"));
            }
        }
        assertEquals(built, ((Map<String, Object>) run.get("build")).get("mkl_fast_paths"), "the driver's");
        assertEquals(ids, ((Map<String, Object>) run.get("mkl_fast_paths_by_executor")).keySet());
        assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path("/runs/reference/checkpoints/round-000004/MANIFEST.json")));
        assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path(
                "/runs/reference/checkpoints/round-000004/workers/worker-0001.safetensors")));
    }

    /** An executor's container killed in the middle of round 2 (as a preemption would): the run finishes as the plain one. */
    @Test
    @Order(2)
    void losingAnExecutorContainerMidRoundEndsLikeThePlainRun() throws Exception {
        Path markers = Files.createDirectories(WORK.resolve("markers-container"));
        Process p = submit("container-kill", args("container-kill"), pause(markers, 2, 10));
        String[] victim = awaitPause(markers, 2, 10, p, "container-kill");
        ProcessHandle container = ProcessHandle.of(Long.parseLong(victim[0])).orElseThrow();
        assertTrue(container.info().commandLine().orElse("").contains("YarnCoarseGrainedExecutorBackend"),
                "the paused task runs in a YARN executor container: " + container.info().commandLine());
        container.destroyForcibly();
        assertEquals(0, await(p, "container-kill"), log("container-kill"));
        List<Map<String, Object>> lines = metrics("container-kill");
        assertEquals(4, lines.size());
        assertFalse(executors(lines.subList(1, 4)).contains(victim[1]),
                "the killed container's executor " + victim[1] + " did no work after round 1: " + executors(lines.subList(1, 4)));
        double d = maxDiff(model("container-kill"), model("reference"));
        assertTrue(d <= 1e-5, "θ differs from the plain run by " + d);
    }

    /**
     * The ApplicationMaster (and the driver in it) killed in round 3: YARN starts a second
     * attempt of the same command, which continues from the checkpoint of round 2 on HDFS
     * ({@code --resume-if-present}) and ends as the plain run.
     */
    @Test
    @Order(3)
    void aSecondApplicationAttemptResumesFromHdfs() throws Exception {
        Path markers = Files.createDirectories(WORK.resolve("markers-am"));
        Process p = submit("am-kill", args("am-kill", "--resume-if-present"), pause(markers, 3, 1));
        awaitPause(markers, 3, 1, p, "am-kill");
        assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path("/runs/am-kill/checkpoints/round-000002/MANIFEST.json")));
        ProcessHandle am = ProcessHandle.current().descendants()
                .filter(h -> h.info().commandLine().orElse("").contains("org.apache.spark.deploy.yarn.ApplicationMaster"))
                .findFirst().orElseThrow(() -> new AssertionError("no ApplicationMaster process"));
        am.destroyForcibly();
        assertEquals(0, await(p, "am-kill"), log("am-kill"));
        Map<String, Object> run = Json.parseObject(readHdfs("/runs/am-kill/run.json"));
        assertTrue(String.valueOf(run.get("resumed_from")).endsWith("round-000002"), "resumed: " + run.get("resumed_from"));
        List<Map<String, Object>> lines = metrics("am-kill");
        assertEquals(List.of(1, 2, 3, 4), lines.stream().map(l -> ((Number) l.get("round")).intValue()).toList(),
                "each round once");
        double d = maxDiff(model("am-kill"), model("reference"));
        assertTrue(d <= 1e-5, "θ differs from the plain run by " + d);
    }

    /** Spark settings that hold worker 0 at {@code step} of {@code round} (FaultInjection). */
    static String pause(Path markers, int round, int step) {
        return "--conf " + FaultInjection.PAUSE_AT + "=0:" + round + ":" + step + " --conf " + FaultInjection.MARKER_DIR + "="
                + markers;
    }

    /** Waits until worker 0's task is held; returns {PID of its JVM, executor id}. */
    static String[] awaitPause(Path markers, int round, int step, Process driver, String name) throws Exception {
        Path marker = FaultInjection.pausedMarker(markers, 0, round, step);
        waitFor(() -> Files.exists(marker) || !driver.isAlive(), 400, name + " to reach its fault point");
        assertTrue(driver.isAlive(), name + " ended before its fault point:\n" + log(name));
        return Files.readString(marker).trim().split(" ");
    }

    static void waitFor(BooleanSupplier c, int seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
