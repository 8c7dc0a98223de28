package diloco.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.io.Json;
import diloco.run.RunOutput;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * GPU scheduling on a real multi-JVM cluster without a GPU: the Worker offers two "GPUs" found by
 * a fake discovery script, each executor gets one, and each worker's task must receive its own
 * address from Spark and report it. This machine's PyTorch has no CUDA, so {@code --device gpu}
 * must fail with one clear line, and {@code --device auto} must go on on the CPU with one warning.
 * (A CUDA run cannot happen here; docs/gpu.md says what a GPU cluster must provide.)
 */
class GpuSchedulingIT {
    @TempDir
    static Path tmp;
    static Path corpus;
    static LocalSparkCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
        Path script = tmp.resolve("fake-gpus.sh");
        Files.writeString(script, "#!/usr/bin/env bash\necho '{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}'\n");
        assertTrue(script.toFile().setExecutable(true));
        cluster = LocalSparkCluster.start(tmp.resolve("cluster"), 2, List.of("spark.worker.resource.gpu.amount=2",
                "spark.worker.resource.gpu.discoveryScript=" + script));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Two executors of one core and one GPU each, as submit.sh's EXECUTOR_GPUS=1 asks for. */
    static Process submit(String name, String device) throws Exception {
        List<String> args = new ArrayList<>(List.of("--data", corpus.toUri().toString(), "--out",
                tmp.resolve(name).toUri().toString(), "--preset", "tiny", "--workers", "2", "--inner-steps", "20",
                "--rounds", "2", "--batch-size", "8", "--val-fraction", "0.2", "--val-windows", "8", "--shared-local-fs",
                "--device", device));
        return cluster.submit(name, "diloco.cli.Train", List.of("spark.executor.resource.gpu.amount=1",
                "spark.task.resource.gpu.amount=1"), args);
    }

    static int await(Process p, String name) throws Exception {
        assertTrue(p.waitFor(6, TimeUnit.MINUTES), name + " did not finish:\n" + cluster.log(name));
        return p.exitValue();
    }

    /** Each worker's task gets its own GPU address from Spark; without CUDA the run goes on on the CPU, saying so once. */
    @Test
    @SuppressWarnings("unchecked")
    void eachWorkerGetsItsOwnGpuAndAutoFallsBackToTheCpu() throws Exception {
        assertEquals(0, await(submit("auto", "auto"), "auto"), cluster.log("auto"));
        Map<Integer, Integer> gpuOf = new HashMap<>();
        for (String line : Files.readAllLines(tmp.resolve("auto").resolve(RunOutput.METRICS))) {
            for (Map<String, Object> s : (List<Map<String, Object>>) Json.parseObject(line).get("state_source")) {
                assertNotNull(s.get("gpu"), "Spark assigned a GPU to worker " + s.get("worker"));
                assertEquals("cpu()", s.get("device"), "no CUDA here: computed on the CPU");
                Integer before = gpuOf.put(((Number) s.get("worker")).intValue(), ((Number) s.get("gpu")).intValue());
                assertTrue(before == null || before == ((Number) s.get("gpu")).intValue(), "a worker keeps its executor's GPU");
            }
        }
        assertEquals(Set.of(0, 1), new HashSet<>(gpuOf.values()), "each worker its own GPU: " + gpuOf);
        String log = cluster.log("auto");
        for (int w = 0; w < 2; w++) {
            // a driver with Spark's default log settings: the job's lines are INFO events of the logger diloco
            assertTrue(log.contains(" INFO diloco: worker " + w + ": executor ") && log.contains(", Spark GPU " + gpuOf.get(w)
                    + ", device cpu()"), "the log says where worker " + w + " runs:\n" + log);
        }
        List<String> warnings = log.lines().filter(l -> l.contains("warning: Spark assigned the workers GPUs")).toList();
        assertEquals(1, warnings.size(), "one warning line: " + warnings);
        assertTrue(warnings.get(0).contains(" WARN diloco: warning: "), warnings.get(0));
        assertTrue(warnings.get(0).contains("has no CUDA") && warnings.get(0).endsWith("computing on the CPU"), warnings.get(0));
    }

    /** --device gpu where PyTorch has no CUDA: one line naming the missing CUDA libtorch, exit status 2. */
    @Test
    void deviceGpuWithoutCudaIsOneClearLine() throws Exception {
        assertEquals(2, await(submit("gpu", "gpu"), "gpu"), cluster.log("gpu"));
        List<String> errors = cluster.log("gpu").lines().filter(l -> l.startsWith("diloco: error: ")).toList();
        assertEquals(1, errors.size(), String.join("\n", errors));
        assertTrue(errors.get(0).contains("--device gpu, but this executor's PyTorch") && errors.get(0).contains("has no CUDA")
                && errors.get(0).contains("CUDA libtorch"), errors.get(0));
    }
}
