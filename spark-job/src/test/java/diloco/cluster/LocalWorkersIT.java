package diloco.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.io.Json;
import diloco.spark.FaultInjection;
import diloco.run.RunOutput;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./submit.sh local} trains its workers at once, one executor JVM each (Spark's
 * local-cluster master, from a Spark home linked from the Maven jars) with one PyTorch thread each,
 * and ends where the same run ends with its workers one after another in one JVM; and the same
 * command gives the same model file, byte for byte, however its tasks happen to finish.
 */
class LocalWorkersIT {
    @TempDir
    Path tmp;

    static List<String> args(Path corpus, Path out) {
        return new ArrayList<>(List.of("--data", corpus.toString(), "--out", out.toString(), "--preset", "tiny",
                "--workers", "4", "--inner-steps", "300", "--rounds", "2", "--batch-size", "8", "--inner-lr", "3e-3",
                "--warmup-steps", "20", "--val-fraction", "0.2", "--val-windows", "8"));
    }

    /** Runs {@code ./submit.sh local train} with {@code cores} cores, {@code perWorker} each; returns its log. */
    private String submit(List<String> jobArgs, int perWorker) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", Paths.get("..", "submit.sh").toAbsolutePath().normalize().toString(),
                "local", "train"));
        cmd.addAll(jobArgs);
        Path log = tmp.resolve("submit-" + perWorker + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("DILOCO_LOCAL_CORES", "2");
        pb.environment().put("DILOCO_LOCAL_WORKER_CORES", Integer.toString(perWorker));
        pb.environment().put("DILOCO_LOCAL_EXECUTOR_MEMORY", "1024");
        pb.environment().put("DRIVER_MEMORY", "1g");
        Process p = pb.start();
        assertTrue(p.waitFor(6, TimeUnit.MINUTES), "./submit.sh local did not finish");
        String text = Files.readString(log);
        assertEquals(0, p.exitValue(), text.length() > 4000 ? text.substring(text.length() - 4000) : text);
        return text;
    }

    @Test
    @SuppressWarnings("unchecked")
    void workersTrainAtOnceAndEndAsOneAfterAnother() throws Exception {
        Path corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
        // a Spark home left by another build of this tree (e.g. -Pspark-3.5): submit.sh must not add to it
        Path classpath = Paths.get(System.getProperty("diloco.sparkClasspath"));
        Path home = classpath.getParent().resolve("spark-home");
        Files.createDirectories(home.resolve("jars"));
        Files.writeString(home.resolve("classpath.txt"), "/another/build/spark-core_2.13-3.5.6.jar");
        Path stale = home.resolve("jars").resolve("from-another-build.jar");
        Files.deleteIfExists(stale);
        try (java.util.jar.JarOutputStream empty = new java.util.jar.JarOutputStream(
                Files.newOutputStream(tmp.resolve("empty.jar")))) {
            Files.createSymbolicLink(stale, tmp.resolve("empty.jar"));
        }
        String console = submit(args(corpus, tmp.resolve("at-once")), 1);
        // the job's lines go through its logger, and conf/log4j2.properties prints them as before
        assertTrue(console.lines().anyMatch(l -> l.startsWith("[diloco] round 1/")), console);
        assertTrue(!Files.exists(stale, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the other build's jar was removed");
        assertEquals(-1L, Files.mismatch(home.resolve("classpath.txt"), classpath), "the Spark home is this build's");
        Map<String, Object> run = Json.parseObject(Files.readString(tmp.resolve("at-once").resolve(RunOutput.RUN_JSON)));
        assertTrue(String.valueOf(((Map<String, Object>) run.get("spark")).get("master")).startsWith("local-cluster[2,1,"),
                "two executors of one core: " + run.get("spark"));
        boolean built = Files.isRegularFile(Paths.get("target", "libdiloco_mkl_fast_paths.so"));
        assertEquals(built, ((Map<String, Object>) run.get("build")).get("mkl_fast_paths"),
                "submit.sh preloads the MKL library whenever it was built");
        Set<String> executors = new HashSet<>();
        boolean overlapped = false;
        for (String line : Files.readAllLines(tmp.resolve("at-once").resolve(RunOutput.METRICS))) {
            Map<String, Object> m = Json.parseObject(line);
            for (Map<String, Object> s : (List<Map<String, Object>>) m.get("state_source")) {
                executors.add(String.valueOf(s.get("executor")));
                // --threads-per-worker 0: the executor's one core, not every core of the machine
                assertEquals(1, ((Number) s.get("threads")).intValue(), "PyTorch threads of " + s);
                // each executor JVM inherited the preload, as its workers saw from their own process
                assertEquals(built, s.get("mkl_fast_paths"), "MKL fast paths in " + s);
                // --matmul-kernels auto keeps oneMKL where the fast paths are preloaded
                assertTrue(built ? "onemkl".equals(s.get("matmul_kernels"))
                        : List.of("onednn", "onemkl").contains(s.get("matmul_kernels")), "matmul kernels in " + s);
            }
            double inner = ((Number) m.get("sec_inner_mean")).doubleValue() * ((Number) m.get("workers")).intValue();
            overlapped |= inner > ((Number) m.get("sec_round")).doubleValue(); // impossible one after another
        }
        assertEquals(2, executors.size(), "one executor JVM per worker: " + executors);
        Map<String, Object> byExecutor = (Map<String, Object>) run.get("mkl_fast_paths_by_executor");
        assertEquals(executors, byExecutor.keySet(), "run.json names every executor");
        assertTrue(byExecutor.values().stream().allMatch(v -> v.equals(built)), "run.json: " + byExecutor);
        assertEquals(executors, ((Map<String, Object>) run.get("matmul_kernels_by_executor")).keySet(), "run.json");
        assertTrue(overlapped, "workers computed at the same time in some round");

        // the same run in one JVM (local[2], one task of 2 cores at a time), each worker on one thread
        List<String> oneJvm = args(corpus, tmp.resolve("one-jvm"));
        oneJvm.addAll(List.of("--threads-per-worker", "1"));
        submit(oneJvm, 2);
        Map<String, Object> run1 = Json.parseObject(Files.readString(tmp.resolve("one-jvm").resolve(RunOutput.RUN_JSON)));
        assertEquals("local[2]", ((Map<String, Object>) run1.get("spark")).get("master"));
        // Each worker computes alone on one thread in both layouts, so its Δ is the same to the bit;
        // and the sum of the four is taken in worker order whichever arrives first (DeltaSum).
        assertArrayEquals(flat(tmp.resolve("one-jvm")), flat(tmp.resolve("at-once")));
    }

    /**
     * The same command twice, with 4 and with 8 workers on two executor JVMs: the workers' results
     * reach the driver in whatever order their tasks finish, and the model files are byte-identical.
     */
    /**
     * More workers than executors: each executor runs two workers a round, one after the other.
     * Worker 1 is held at its first step of round 2 (FaultInjection) for longer than Spark's default
     * locality wait (3 s), while the other executor finishes its two workers and idles: the worker
     * queued behind worker 1 must still wait for the executor that holds its AdamW state, so every
     * worker continues from its own state in memory. Passing does not depend on how long the hold is.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aQueuedWorkerWaitsForTheExecutorHoldingItsState() throws Exception {
        Path corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
        Path out = tmp.resolve("queued");
        Path markers = Files.createDirectories(tmp.resolve("markers"));
        List<String> cmd = new ArrayList<>(List.of("bash", Paths.get("..", "submit.sh").toAbsolutePath().normalize().toString(),
                "local", "train", "--data", corpus.toString(), "--out", out.toString(), "--preset", "tiny",
                "--workers", "4", "--inner-steps", "20", "--rounds", "3", "--batch-size", "8", "--val-fraction", "0.2",
                "--val-windows", "8"));
        Path log = tmp.resolve("queued.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("DILOCO_LOCAL_CORES", "2");
        pb.environment().put("DILOCO_LOCAL_WORKER_CORES", "1");
        pb.environment().put("DILOCO_LOCAL_EXECUTOR_MEMORY", "1024");
        pb.environment().put("DRIVER_MEMORY", "1g");
        pb.environment().put("SPARK_SUBMIT_ARGS", "--conf " + FaultInjection.PAUSE_AT + "=1:2:1 --conf "
                + FaultInjection.MARKER_DIR + "=" + markers);
        Process p = pb.start();
        Path paused = FaultInjection.pausedMarker(markers, 1, 2, 1);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!Files.exists(paused)) {
            assertTrue(p.isAlive(), "the run ended before worker 1 reached round 2: " + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "worker 1 never reached round 2");
            Thread.sleep(100);
        }
        Thread.sleep(8_000); // past Spark's default spark.locality.wait, the other executor idle meanwhile
        Files.createFile(FaultInjection.releaseMarker(markers, 1, 2, 1));
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "./submit.sh local did not finish");
        assertEquals(0, p.exitValue(), Files.readString(log));
        List<String> lines = Files.readAllLines(out.resolve(RunOutput.METRICS));
        Map<Integer, Object> executorOf = new java.util.HashMap<>();
        for (int r = 1; r <= lines.size(); r++) {
            for (Map<String, Object> s : (List<Map<String, Object>>) Json.parseObject(lines.get(r - 1)).get("state_source")) {
                int w = ((Number) s.get("worker")).intValue();
                if (r > 1) {
                    assertEquals("memory", s.get("source"), "round " + r + ": " + s);
                    assertEquals(r - 1, ((Number) s.get("round")).intValue(), "round " + r + ": " + s);
                    assertEquals(executorOf.get(w), s.get("executor"), "round " + r + ": worker " + w + " moved: " + s);
                }
                executorOf.put(w, s.get("executor"));
            }
        }
        assertEquals(3, lines.size());
        assertEquals(2, new HashSet<>(executorOf.values()).size(), "two executors: " + executorOf);
    }

    @Test
    void theSameCommandGivesTheSameModelFile() throws Exception {
        Path corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
        for (int workers : new int[] {4, 8}) {
            byte[] first = null;
            for (int run = 1; run <= 2; run++) {
                Path out = tmp.resolve("w" + workers + "-" + run);
                List<String> a = args(corpus, out);
                a.addAll(List.of("--workers", Integer.toString(workers), "--inner-steps", "10", "--rounds", "4",
                        "--val-fraction", "0.1"));
                submit(a, 1);
                byte[] model = Files.readAllBytes(out.resolve(RunOutput.MODEL));
                if (first == null) {
                    first = model;
                } else {
                    assertArrayEquals(first, model, workers + " workers: the second run's model.safetensors differs");
                }
            }
        }
    }

    static float[] flat(Path run) throws Exception {
        return TestSupport.modelValues(Files.readAllBytes(run.resolve(RunOutput.MODEL)));
    }
}
