package diloco.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.cli.CommandLine;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./submit.sh k8s} as a user runs it, with Spark's real {@code spark-submit}, against a
 * Kubernetes API server on 127.0.0.1 ({@link RecordingApiServer}): the test asserts on what Spark
 * sends Kubernetes, i.e. the driver pod and the ConfigMap holding the driver's
 * {@code spark.properties}, from which the driver later asks for its executors. Nothing can pull or
 * run an image here, so the run ends at submission ({@code waitAppCompletion=false}); what the
 * driver and executors then do in their pods is the image's part (deploy/k8s/Dockerfile).
 *
 * <p>The SPARK_HOME is assembled from the Maven jars ({@link MavenSparkHome}) from
 * {@code target/spark-k8s-classpath.txt}: Spark's classpath as submit.sh local uses it plus
 * spark-kubernetes and its fabric8 client, which only this test needs. (A second classpath file
 * written by the build is simpler and more robust than deriving one from this JVM's classpath,
 * which failsafe hides behind a manifest-only jar.)
 */
class KubernetesSubmitIT {
    static final String IMAGE = "registry.example.com/diloco/diloco-spark:4.1.0-test";
    static final String NAMESPACE = "diloco-it";
    static final String SERVICE_ACCOUNT = "diloco-runner";
    static final int EXECUTORS = 4;
    static final int EXECUTOR_CORES = 3;
    static final String EXECUTOR_MEMORY = "5g";
    static final String EXECUTOR_OVERHEAD = "3g";
    static final String DRIVER_MEMORY = "2g";
    /** The image's paths (deploy/k8s/Dockerfile), which submit.sh k8s uses by default. */
    static final String JAR_IN_IMAGE = "local:///opt/diloco/diloco-spark-job.jar";
    static final String GPU_SCRIPT_IN_IMAGE = "/opt/diloco/getGpusResources.sh";

    /**
     * The job's options, which must reach the driver's command line unchanged: both option forms,
     * a flag, and a regex with shell metacharacters (parentheses, braces, a backslash).
     */
    static final List<String> JOB_OPTIONS = List.of("--data", "s3a://diloco-corpora/sotu/", "--out", "s3a://diloco-runs/sotu-k8s",
            "--workers", Integer.toString(EXECUTORS), "--preset", "small", "--inner-steps", "50", "--rounds", "100",
            "--shard-by", "^(\\d{4})-", "--outer-lr-schedule=warmup:5,cosine", "--resume-if-present");

    /** How long spark-submit may take to create the driver's resources (a JVM start and a few requests). */
    static final int SUBMIT_DEADLINE_SECONDS = 120;

    @TempDir
    static Path tmp;
    static RecordingApiServer api;
    static Process submit;
    static Path log;
    static int exitStatus;

    @BeforeAll
    static void submit() throws Exception {
        CommandLine.parse(JOB_OPTIONS.toArray(new String[0])); // the job itself would accept them
        api = RecordingApiServer.start();
        Path sparkHome = MavenSparkHome.assemble(tmp.resolve("spark-home"),
                Paths.get(System.getProperty("diloco.sparkK8sClasspath")), System.getProperty("diloco.javaOpens"));
        Path script = Paths.get(System.getProperty("diloco.submitScript")).toRealPath();
        log = logDir().resolve("k8s-submit.log");

        List<String> cmd = new ArrayList<>(List.of(script.toString(), "k8s", "train"));
        cmd.addAll(JOB_OPTIONS);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(script.getParent().toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.clear(); // only what a user would set: nothing of this JVM's environment may leak into submit.sh
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("HOME", Files.createDirectories(tmp.resolve("home")).toString()); // no ~/.kube/config is read
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("K8S_MASTER", api.url()); // submit.sh prepends k8s://
        env.put("K8S_IMAGE", IMAGE);
        env.put("K8S_NAMESPACE", NAMESPACE);
        env.put("K8S_SERVICE_ACCOUNT", SERVICE_ACCOUNT);
        env.put("NUM_EXECUTORS", Integer.toString(EXECUTORS));
        env.put("EXECUTOR_CORES", Integer.toString(EXECUTOR_CORES));
        env.put("EXECUTOR_MEMORY", EXECUTOR_MEMORY);
        env.put("EXECUTOR_MEMORY_OVERHEAD", EXECUTOR_OVERHEAD);
        env.put("EXECUTOR_GPUS", "1");
        env.put("DRIVER_MEMORY", DRIVER_MEMORY);
        // return once the driver's resources exist: no pod will ever run here
        env.put("SPARK_SUBMIT_ARGS", "--conf spark.kubernetes.submission.waitAppCompletion=false");
        submit = pb.start();
        assertTrue(submit.waitFor(SUBMIT_DEADLINE_SECONDS, TimeUnit.SECONDS),
                "spark-submit did not return within " + SUBMIT_DEADLINE_SECONDS + " s:\n" + tail());
        exitStatus = submit.exitValue();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (submit != null && submit.isAlive()) { // only when it overran its deadline
            submit.descendants().forEach(ProcessHandle::destroyForcibly);
            submit.destroyForcibly();
            submit.waitFor(30, TimeUnit.SECONDS);
        }
        if (api != null) {
            try { // beside the submission's output, for whoever reads a failure
                StringBuilder sb = new StringBuilder();
                api.requests().forEach(r -> sb.append(r).append(' ').append(r.contentType()).append('\n').append(r.body()).append("\n\n"));
                Files.writeString(log.resolveSibling("api-requests.txt"), sb);
            } catch (IOException | RuntimeException e) {
                System.err.println("could not write the API requests: " + e);
            }
            api.close();
        }
    }

    /** Where the submission's output goes: {@code diloco.itLogs} (kept after the test), else the temp dir. */
    static Path logDir() throws IOException {
        String kept = System.getProperty("diloco.itLogs");
        return Files.createDirectories(kept == null ? tmp : Paths.get(kept).resolve("k8s-submit-" + ProcessHandle.current().pid()));
    }

    static String tail() {
        try {
            String s = Files.readString(log);
            return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    static String context() {
        return "\nrequests: " + api.requests() + "\nspark-submit output:\n" + tail();
    }

    /** The one driver pod created in the namespace. */
    static Pod driverPod() {
        List<RecordingApiServer.Request> posts = api.requests("POST", "/api/v1/namespaces/" + NAMESPACE + "/pods");
        assertEquals(1, posts.size(), "one driver pod created in namespace " + NAMESPACE + context());
        assertEquals(201, posts.get(0).status(), "the pod was created" + context());
        return api.object(posts.get(0), Pod.class);
    }

    static Container driverContainer() {
        List<Container> containers = driverPod().getSpec().getContainers();
        assertEquals(1, containers.size(), "one container in the driver pod");
        return containers.get(0);
    }

    /** The last ConfigMap applied in the namespace (Spark applies it once, after creating the pod). */
    static ConfigMap configMap() {
        String prefix = "/api/v1/namespaces/" + NAMESPACE + "/configmaps/";
        List<RecordingApiServer.Request> applied = api.requests().stream()
                .filter(r -> r.method().equals("PATCH") && r.resourcePath().startsWith(prefix)).toList();
        assertTrue(!applied.isEmpty(), "a ConfigMap applied in namespace " + NAMESPACE + context());
        RecordingApiServer.Request last = applied.get(applied.size() - 1);
        assertTrue(last.contentType().startsWith(RecordingApiServer.APPLY_PATCH), "server-side apply: " + last.contentType());
        return api.object(last, ConfigMap.class);
    }

    static Properties sparkProperties() throws IOException {
        String text = configMap().getData().get("spark.properties");
        assertNotNull(text, "the ConfigMap holds spark.properties: " + configMap().getData().keySet());
        Properties p = new Properties();
        p.load(new StringReader(text));
        return p;
    }

    /** Spark's driver pod memory: the heap plus max(10% of it, 384 MiB) (spark.driver.memoryOverheadFactor, minMemoryOverhead). */
    static String driverPodMemory(String heap) {
        long mib = Long.parseLong(heap.substring(0, heap.length() - 1)) * (heap.endsWith("g") ? 1024 : 1);
        return (mib + Math.max((long) (0.1 * mib), 384)) + "Mi";
    }

    @Test
    void submissionSucceedsWithoutAnyRejectedRequest() {
        assertEquals(0, exitStatus, "spark-submit's exit status" + context());
        for (RecordingApiServer.Request r : api.requests()) {
            assertTrue(r.status() < 400, "the API server rejected " + r + ": " + r.body() + context());
        }
    }

    @Test
    void driverPodRunsTheImageInTheNamespaceAsTheServiceAccount() {
        Pod pod = driverPod();
        assertEquals(SERVICE_ACCOUNT, pod.getSpec().getServiceAccountName(), "driver pod's service account (K8S_SERVICE_ACCOUNT)");
        assertEquals(IMAGE, driverContainer().getImage(), "driver container image (K8S_IMAGE)");
        String namespace = pod.getMetadata().getNamespace();
        assertTrue(namespace == null || namespace.equals(NAMESPACE), "driver pod namespace (K8S_NAMESPACE): " + namespace);
    }

    /**
     * The container's arguments are what the image's entrypoint hands to spark-submit inside the
     * pod: the main class, the jar in the image, then the job's options exactly as given.
     */
    @Test
    void driverRunsTheMainClassOfTheJarInTheImageWithTheJobOptionsUnchanged() {
        List<String> args = driverContainer().getArgs();
        assertEquals("driver", args.get(0), "the entrypoint's driver role: " + args);
        int cls = args.indexOf("--class");
        assertTrue(cls > 0, "--class in the driver's arguments: " + args);
        assertEquals("diloco.cli.Train", args.get(cls + 1), "main class: " + args);
        assertEquals(JAR_IN_IMAGE, args.get(cls + 2), "application jar (the image's path): " + args);
        assertEquals(JOB_OPTIONS, args.subList(cls + 3, args.size()), "job options, passed through unchanged");
    }

    @Test
    void driverResourcesFollowDriverMemoryAndOneCore() {
        Map<String, Quantity> requests = driverContainer().getResources().getRequests();
        Map<String, Quantity> limits = driverContainer().getResources().getLimits();
        String memory = driverPodMemory(DRIVER_MEMORY);
        assertEquals(new Quantity(memory), requests.get("memory"), "driver memory request: DRIVER_MEMORY + overhead");
        assertEquals(new Quantity(memory), limits.get("memory"), "driver memory limit: DRIVER_MEMORY + overhead");
        assertEquals(new Quantity("1"), requests.get("cpu"), "driver cpu request (spark.driver.cores default)");
    }

    /** The pod mounts the ConfigMap that was applied: the driver reads its spark.properties from there. */
    @Test
    void driverPodMountsTheAppliedConfigMap() {
        String name = configMap().getMetadata().getName();
        List<String> mounted = driverPod().getSpec().getVolumes().stream()
                .filter(v -> v.getConfigMap() != null).map(Volume::getConfigMap).map(c -> c.getName()).toList();
        assertTrue(mounted.contains(name), "driver pod mounts ConfigMap " + name + ": " + mounted);
        assertEquals(driverPod().getMetadata().getName(), configMap().getMetadata().getOwnerReferences().get(0).getName(),
                "the ConfigMap is owned by the driver pod (deleted with it)");
    }

    /** One DiLoCo worker per executor: all of its cores to one task, PyTorch's off-heap room, speculation off. */
    @Test
    void sparkPropertiesGiveEachExecutorOneWorker() throws IOException {
        Properties p = sparkProperties();
        assertEquals("k8s://" + api.url(), p.getProperty("spark.master"), "spark.master is k8s://K8S_MASTER");
        assertEquals(Integer.toString(EXECUTORS), p.getProperty("spark.executor.instances"), "NUM_EXECUTORS");
        assertEquals(Integer.toString(EXECUTOR_CORES), p.getProperty("spark.executor.cores"), "EXECUTOR_CORES");
        assertEquals(p.getProperty("spark.executor.cores"), p.getProperty("spark.task.cpus"), "spark.task.cpus = executor cores");
        assertEquals(EXECUTOR_MEMORY, p.getProperty("spark.executor.memory"), "EXECUTOR_MEMORY");
        assertEquals(EXECUTOR_OVERHEAD, p.getProperty("spark.executor.memoryOverhead"), "EXECUTOR_MEMORY_OVERHEAD");
        assertEquals(DRIVER_MEMORY, p.getProperty("spark.driver.memory"), "DRIVER_MEMORY");
        assertEquals("false", p.getProperty("spark.speculation"), "speculation off: a DiLoCo worker must run once");
        assertTrue(p.getProperty("spark.executor.extraJavaOptions", "").contains("-Dai.djl.offline=true"),
                "executors keep DJL offline: " + p.getProperty("spark.executor.extraJavaOptions"));
        assertTrue(p.getProperty("spark.driver.extraJavaOptions", "").contains("-Dai.djl.offline=true"),
                "the driver keeps DJL offline: " + p.getProperty("spark.driver.extraJavaOptions"));
        assertEquals("false", p.getProperty("spark.kubernetes.submission.waitAppCompletion"), "SPARK_SUBMIT_ARGS reached spark-submit");
    }

    /** EXECUTOR_GPUS=1: one GPU per executor and per task, found by the image's script, from the nvidia.com device plugin. */
    @Test
    void sparkPropertiesAskForOneNvidiaGpuPerExecutor() throws IOException {
        Properties p = sparkProperties();
        assertEquals("1", p.getProperty("spark.executor.resource.gpu.amount"), "executor GPUs");
        assertEquals("1", p.getProperty("spark.task.resource.gpu.amount"), "task GPUs");
        assertEquals("nvidia.com", p.getProperty("spark.executor.resource.gpu.vendor"), "GPU vendor (the pod resource nvidia.com/gpu)");
        assertEquals(GPU_SCRIPT_IN_IMAGE, p.getProperty("spark.executor.resource.gpu.discoveryScript"), "discovery script in the image");
    }

    @Test
    void sparkPropertiesNameTheImageNamespaceAndServiceAccount() throws IOException {
        Properties p = sparkProperties();
        assertEquals(IMAGE, p.getProperty("spark.kubernetes.container.image"), "executors run the same image");
        assertEquals(NAMESPACE, p.getProperty("spark.kubernetes.namespace"), "executors go to the same namespace");
        assertEquals(SERVICE_ACCOUNT, p.getProperty("spark.kubernetes.authenticate.driver.serviceAccountName"),
                "the driver creates executors as this service account");
    }
}
