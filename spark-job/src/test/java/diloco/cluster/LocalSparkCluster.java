package diloco.cluster;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real multi-process Spark standalone cluster on 127.0.0.1, built from the Maven dependencies
 * alone (no Spark distribution can be downloaded here): a SPARK_HOME whose {@code jars/} links the
 * job's Spark classpath, a Master and a Worker daemon in their own JVMs, executors started by the
 * Worker in theirs, and drivers submitted with Spark's own {@code SparkSubmit} in yet another JVM.
 * Everything it starts it stops, by PID, in {@link #close()}. See docs/faults.md.
 */
final class LocalSparkCluster implements AutoCloseable {
    private final Path home;
    private final Path logs;
    private final List<Process> daemons = new ArrayList<>();
    private Process worker;
    private String masterUrl;

    private LocalSparkCluster(Path home, Path logs) {
        this.home = home;
        this.logs = logs;
    }

    /** Starts a Master and one Worker with {@code cores} cores; returns when the Worker has registered. */
    static LocalSparkCluster start(Path workDir, int cores) throws Exception {
        return start(workDir, cores, List.of());
    }

    /**
     * As {@link #start(Path, int)}, the Worker daemon started with {@code workerConf} as Spark
     * settings ({@code key=value}), e.g. the GPUs it offers ({@code spark.worker.resource.gpu.*}).
     */
    static LocalSparkCluster start(Path workDir, int cores, List<String> workerConf) throws Exception {
        LocalSparkCluster c = new LocalSparkCluster(sparkHome(), Files.createDirectories(logDir(workDir)));
        try {
            int port = freePort();
            c.masterUrl = "spark://127.0.0.1:" + port;
            c.daemons.add(c.java("master", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", Integer.toString(port), "--webui-port", Integer.toString(freePort()))));
            waitFor(() -> portOpen(port), 60, "the Master to listen on " + port);
            List<String> worker = new ArrayList<>();
            workerConf.forEach(kv -> worker.add("-D" + kv));
            worker.addAll(List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                    "--cores", Integer.toString(cores), "--memory", "6g", "--webui-port", Integer.toString(freePort()),
                    "--work-dir", Files.createDirectories(workDir.resolve("work")).toString(), c.masterUrl));
            c.worker = c.java("worker", worker); // JVM options (-D...) first, then the Worker's main class
            c.daemons.add(c.worker);
            waitFor(() -> c.log("worker").contains("Successfully registered with master"), 90, "the Worker to register");
            return c;
        } catch (Exception e) {
            c.close();
            throw e;
        }
    }

    /**
     * Where the daemons' and drivers' logs go: {@code diloco.itLogs} (failsafe sets
     * target/it-logs, so they outlive the test's temporary directory), else under the work dir.
     */
    private static Path logDir(Path workDir) {
        String kept = System.getProperty("diloco.itLogs");
        return kept == null ? workDir.resolve("logs")
                : Paths.get(kept).resolve(java.time.LocalDateTime.now().format(
                        java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    String masterUrl() {
        return masterUrl;
    }

    /**
     * Starts a driver JVM ({@code SparkSubmit}, client mode) running {@code mainClass} of the
     * application jar with {@code args}; output goes to {@code logs/NAME.log}.
     */
    Process submit(String name, String mainClass, List<String> sparkConf, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", masterUrl,
                "--deploy-mode", "client", "--class", mainClass,
                "--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=2", "--conf", "spark.executor.memory=1g",
                "--conf", "spark.executor.extraJavaOptions=-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1"));
        for (String c : sparkConf) {
            cmd.addAll(List.of("--conf", c));
        }
        cmd.add(System.getProperty("diloco.appJar"));
        cmd.addAll(args);
        return java(name, cmd);
    }

    /** The executor JVMs the Worker runs now. */
    List<ProcessHandle> executors() {
        return worker.toHandle().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .collect(Collectors.toList());
    }

    String log(String name) {
        try {
            Path p = logs.resolve(name + ".log");
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private Process java(String name, List<String> mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(Arrays.asList(System.getProperty("diloco.javaOpens").trim().split("\\s+")));
        cmd.addAll(List.of("-Xmx2g", "-Dai.djl.offline=true", "-cp", home.resolve("jars") + File.separator + "*"));
        cmd.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(logs.resolve(name + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_SCALA_VERSION", "2.13"); // else executors die with "Cannot find any build directories"
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }

    /** target/spark-home: every jar of the job's Spark classpath (see MavenSparkHome). */
    private static synchronized Path sparkHome() throws IOException {
        Path classpath = Paths.get(System.getProperty("diloco.sparkClasspath"));
        return MavenSparkHome.assemble(classpath.getParent().resolve("spark-home"), classpath,
                System.getProperty("diloco.javaOpens"));
    }

    @Override
    public void close() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            Process p = daemons.get(i);
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroy();
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static boolean portOpen(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    static void waitFor(Condition c, int seconds, String what) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!c.holds()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.sleep(200);
        }
    }
}
