package diloco.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.cli.Train;
import diloco.io.Json;
import diloco.run.RunOutput;
import diloco.spark.FaultInjection;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Faults on a real multi-JVM Spark cluster (standalone Master and Worker daemons, executors and the
 * driver in their own JVMs, all on 127.0.0.1): executor loss, driver loss, SIGTERM. Every fault run
 * must end where the fault-free run ends. What each test proves is listed in docs/faults.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultToleranceIT {
    @TempDir
    static Path tmp;
    static Path corpus;
    static LocalSparkCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
        cluster = LocalSparkCluster.start(tmp.resolve("cluster"), 2);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * The run every test repeats: 4 workers on the 2 executors (so their results reach the driver in
     * an order that varies from run to run), 5 rounds of 300 inner steps (seconds each), a checkpoint
     * per round.
     */
    static List<String> args(String out, String... extra) {
        List<String> a = new ArrayList<>(List.of("--data", corpus.toUri().toString(), "--out", tmp.resolve(out).toUri().toString(),
                "--preset", "tiny", "--workers", "4", "--inner-steps", "300", "--rounds", "5", "--batch-size", "8",
                "--inner-lr", "3e-3", "--warmup-steps", "20", "--threads-per-worker", "1", "--val-fraction", "0.2",
                "--val-windows", "16", "--checkpoint-every", "1", "--shared-local-fs"));
        a.addAll(List.of(extra));
        return a;
    }

    static Process submit(String name, List<String> args) throws Exception {
        return cluster.submit(name, "diloco.cli.Train", List.of(), args);
    }

    /** The fault point of a test: worker 0 holds at an inner step of round 3 until released or killed. */
    static final int WORKER = 0;
    static final int ROUND = 3;

    /** Submits a run whose worker 0 pauses at step {@code step} of round 3 (see FaultInjection). */
    static Process submitPausing(String name, int step, List<String> args) throws Exception {
        Path markers = Files.createDirectories(tmp.resolve("markers-" + name));
        return cluster.submit(name, "diloco.cli.Train", List.of(FaultInjection.PAUSE_AT + "=" + WORKER + ":" + ROUND + ":" + step,
                FaultInjection.MARKER_DIR + "=" + markers), args);
    }

    /**
     * Waits until worker 0's task is held inside its inner loop of round 3, and returns
     * {PID of its executor JVM, its executor id}. From here on nothing moves until the test acts.
     */
    static String[] awaitPause(String name, int step, Process driver) throws Exception {
        Path marker = FaultInjection.pausedMarker(tmp.resolve("markers-" + name), WORKER, ROUND, step);
        LocalSparkCluster.waitFor(() -> Files.exists(marker) || !driver.isAlive(), 300, name + " to reach its fault point");
        assertTrue(driver.isAlive(), "the run ended before its fault point:\n" + tail(cluster.log(name)));
        return Files.readString(marker).trim().split(" ");
    }

    static void release(String name, int step) throws Exception {
        Files.createFile(FaultInjection.releaseMarker(tmp.resolve("markers-" + name), WORKER, ROUND, step));
    }

    static int await(Process p, String name) throws Exception {
        assertTrue(p.waitFor(6, TimeUnit.MINUTES), name + " did not finish:\n" + tail(cluster.log(name)));
        return p.exitValue();
    }

    static String tail(String log) {
        return log.length() > 6000 ? log.substring(log.length() - 6000) : log;
    }

    static float[] model(String out) throws Exception {
        return TestSupport.modelValues(Files.readAllBytes(tmp.resolve(out).resolve(RunOutput.MODEL)));
    }

    static double maxDiff(String a, String b) throws Exception {
        float[] x = model(a);
        float[] y = model(b);
        assertEquals(x.length, y.length);
        double d = 0;
        for (int i = 0; i < x.length; i++) {
            d = Math.max(d, Math.abs(x[i] - y[i]));
        }
        return d;
    }

    static List<Map<String, Object>> metrics(String out) throws Exception {
        List<Map<String, Object>> lines = new ArrayList<>();
        Path p = tmp.resolve(out).resolve(RunOutput.METRICS);
        if (Files.exists(p)) {
            for (String l : Files.readAllLines(p)) {
                lines.add(Json.parseObject(l));
            }
        }
        return lines;
    }

    static Map<String, Object> runJson(String out) throws Exception {
        return Json.parseObject(Files.readString(tmp.resolve(out).resolve(RunOutput.RUN_JSON)));
    }

    @Test
    @Order(1)
    void twoExecutorsMatchLocalMode() throws Exception {
        int status = await(submit("reference", args("reference")), "reference");
        assertEquals(0, status, tail(cluster.log("reference")));
        assertTrue(cluster.log("reference").contains("round 5/5"), tail(cluster.log("reference")));
        assertEquals("spark://", ((String) ((Map<?, ?>) runJson("reference").get("spark")).get("master")).substring(0, 8));

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8);
        TestSupport.spark();
        assertEquals(0, Train.run(args("local").toArray(new String[0]), ps, ps, false), log.toString(StandardCharsets.UTF_8));
        double cluster = ((Number) runJson("reference").get("final_val_loss")).doubleValue();
        double local = ((Number) runJson("local").get("final_val_loss")).doubleValue();
        assertEquals(local, cluster, 0.0, "the same validation loss to the bit");
        assertEquals(0.0, maxDiff("reference", "local"), "the same θ to the bit");
    }

    /** kill -9 of the executor JVM with this PID (one of the Worker's executors). */
    static void killExecutor(String pid) throws Exception {
        ProcessHandle victim = cluster.executors().stream().filter(p -> Long.toString(p.pid()).equals(pid)).findFirst()
                .orElseThrow(() -> new AssertionError("executor " + pid + " is not one of the Worker's executors"));
        assertTrue(victim.destroyForcibly(), "kill -9 " + pid);
        victim.onExit().get(30, TimeUnit.SECONDS);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> sourceOf(Map<String, Object> line, int worker) {
        for (Map<String, Object> s : (List<Map<String, Object>>) line.get("state_source")) {
            if (((Number) s.get("worker")).intValue() == worker) {
                return s;
            }
        }
        throw new AssertionError("no state_source for worker " + worker + " in " + line);
    }

    /**
     * kill -9 of the executor running worker 0 in the middle of round 3: Spark reruns the task,
     * which continues from the state worker 0 kept at the end of round 2, so the run ends with the
     * fault-free θ. Where that state comes from depends on where the retry lands: from disk (the
     * every-round file) when the killed executor was the one holding it, which is where Spark's
     * locality put worker 0 in round 2, or from the memory of a surviving executor that holds it.
     */
    @Test
    @Order(2)
    void executorLossWithEveryRoundStateSyncEqualsFaultFreeRun() throws Exception {
        Process p = submitPausing("executor-loss", 10, args("executor-loss", "--inner-state-sync", "every-round"));
        String[] victim = awaitPause("executor-loss", 10, p);
        killExecutor(victim[0]);
        assertEquals(0, await(p, "executor-loss"), tail(cluster.log("executor-loss")));
        String log = cluster.log("executor-loss");
        assertTrue(log.contains("Lost executor " + victim[1]), tail(log));
        List<Map<String, Object>> lines = metrics("executor-loss");
        Map<String, Object> before = sourceOf(lines.get(ROUND - 2), WORKER);
        Map<String, Object> retried = sourceOf(lines.get(ROUND - 1), WORKER);
        assertFalse(victim[1].equals(retried.get("executor")), "the retry ran on another executor: " + retried);
        assertEquals(ROUND - 1, ((Number) retried.get("round")).intValue(), "continued from round 2's state: " + retried);
        String expected = victim[1].equals(before.get("executor")) ? "checkpoint" : "memory";
        assertEquals(expected, retried.get("source"), "round 2 ran on " + before.get("executor") + ": " + retried);
        assertEquals(0.0, maxDiff("executor-loss", "reference"), "θ differs from the fault-free run");
    }

    /** With --on-worker-failure drop, a worker whose task fails goes missing for that round only. */
    @Test
    @Order(3)
    void executorLossInDropModeProceedsWithoutTheWorker() throws Exception {
        Process p = submitPausing("drop-mode", 10, args("drop-mode", "--on-worker-failure", "drop", "--task-max-failures", "1"));
        killExecutor(awaitPause("drop-mode", 10, p)[0]);
        assertEquals(0, await(p, "drop-mode"), tail(cluster.log("drop-mode")));
        List<Map<String, Object>> lines = metrics("drop-mode");
        assertEquals(5, lines.size());
        for (int r = 1; r <= 5; r++) {
            assertEquals(r == ROUND ? 3 : 4, ((Number) lines.get(r - 1).get("deltas_received")).intValue(),
                    "outer gradients received in round " + r);
        }
        assertTrue(String.valueOf(sourceOf(lines.get(ROUND - 1), WORKER).get("rejected")).contains("task failed"),
                "the missing worker is reported: " + lines.get(ROUND - 1));
    }

    /** kill -9 of the driver in round 3, then the same command with --resume: the uninterrupted run's θ. */
    @Test
    @Order(4)
    void driverLossThenResumeEqualsUninterruptedRun() throws Exception {
        Process p = submitPausing("driver-loss", 1, args("driver-loss"));
        awaitPause("driver-loss", 1, p); // round 3 runs: the checkpoint of round 2 is complete
        p.destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(ROUND - 1, metrics("driver-loss").size(), "killed in round 3");
        assertTrue(Files.exists(tmp.resolve("driver-loss/checkpoints/round-000002/MANIFEST.json")));
        Process again = submit("driver-loss-resume", args("driver-loss", "--resume"));
        assertEquals(0, await(again, "driver-loss-resume"), tail(cluster.log("driver-loss-resume")));
        assertTrue(cluster.log("driver-loss-resume").contains("resumed from"), tail(cluster.log("driver-loss-resume")));
        assertEquals(0.0, maxDiff("driver-loss", "reference"), "θ differs from the uninterrupted run");
        assertEquals(5, metrics("driver-loss").size(), "metrics.jsonl holds each round once");
    }

    /**
     * SIGTERM (preemption) while round 3 runs: the round finishes, a checkpoint of round 3 is
     * written, the exit status is 143, and --resume carries on to the same θ.
     */
    @Test
    @Order(5)
    void sigtermWritesACheckpointAndResumeContinues() throws Exception {
        Process p = submitPausing("sigterm", 1, args("sigterm"));
        awaitPause("sigterm", 1, p);
        p.destroy(); // SIGTERM
        LocalSparkCluster.waitFor(() -> cluster.log("sigterm").contains("SIGTERM: finishing the current round"), 60,
                "the driver to take the SIGTERM");
        release("sigterm", 1);
        assertEquals(143, await(p, "sigterm"), tail(cluster.log("sigterm")));
        assertTrue(cluster.log("sigterm").contains("stopped on request"), tail(cluster.log("sigterm")));
        assertEquals(ROUND, metrics("sigterm").size(), "the round under way was finished, no other");
        assertTrue(Files.exists(tmp.resolve(String.format("sigterm/checkpoints/round-%06d/MANIFEST.json", ROUND))));
        Process again = submit("sigterm-resume", args("sigterm", "--resume"));
        assertEquals(0, await(again, "sigterm-resume"), tail(cluster.log("sigterm-resume")));
        assertEquals(0.0, maxDiff("sigterm", "reference"), "θ differs from the uninterrupted run");
    }

    /** A file:// output on a cluster would scatter worker files over machines: refused unless declared shared. */
    @Test
    @Order(6)
    void localOutputOnAClusterIsRefused() throws Exception {
        List<String> a = args("not-shared");
        a.remove("--shared-local-fs");
        Process p = submit("not-shared", a);
        assertEquals(2, await(p, "not-shared"));
        assertTrue(cluster.log("not-shared").contains("diloco: error: --out"), tail(cluster.log("not-shared")));
        assertFalse(Files.exists(tmp.resolve("not-shared")));
    }

    /** Submits a run that must be refused: exit status 2 and one line "diloco: error: ...MESSAGE...". */
    static void refused(String name, List<String> args, String message) throws Exception {
        assertEquals(2, await(submit(name, args), name), tail(cluster.log(name)));
        List<String> errors = cluster.log(name).lines().filter(l -> l.startsWith("diloco: error: ")).toList();
        assertEquals(1, errors.size(), name + ": " + errors);
        assertTrue(errors.get(0).contains(message), name + ": " + errors.get(0));
    }

    static List<String> with(List<String> args, String option, String value) {
        List<String> a = new ArrayList<>(args);
        int i = a.indexOf(option);
        if (i >= 0) {
            a.set(i + 1, value);
        } else {
            a.addAll(List.of(option, value));
        }
        return a;
    }

    static String snapshot(Path dir) throws Exception {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            StringBuilder sb = new StringBuilder();
            for (Path p : files.sorted().toList()) {
                sb.append(dir.relativize(p)).append(Files.isRegularFile(p)
                        ? " " + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(Files.readAllBytes(p))) : "").append('\n');
            }
            return sb.toString();
        }
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (java.util.stream.Stream<Path> files = Files.walk(from)) {
            for (Path p : files.sorted().toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /**
     * Bad input through the real launcher on the cluster: one clear line, exit status 2, nothing
     * written, and the checkpoints of an earlier run untouched (the in-process tests cover each
     * case in more variants: TrainCliTest, CheckpointResumeTest).
     */
    @Test
    @Order(7)
    void badInputIsRefusedWithOneLineAndLeavesCheckpointsAlone() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty-data"));
        refused("bad-missing-data", with(args("bad-1"), "--data", tmp.resolve("no-such-dir").toUri().toString()),
                "--data path does not exist");
        refused("bad-empty-data", with(args("bad-2"), "--data", empty.toUri().toString()), "no documents in --data");
        refused("bad-momentum", args("bad-3", "--outer-momentum", "1"), "--outer-momentum must be in [0, 1)");
        refused("bad-option", args("bad-4", "--bogus", "1"), "unknown option --bogus");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        refused("bad-out", with(args("bad-5"), "--out", file.resolve("out").toUri().toString()), "is not writable");
        refused("bad-no-checkpoint", args("bad-6", "--resume"), "--resume: no complete checkpoint");
        for (int i = 1; i <= 6; i++) {
            assertFalse(Files.exists(tmp.resolve("bad-" + i)), "nothing written for bad-" + i);
        }

        // checkpoints of a finished run: another shape, other data, a truncated file
        copyTree(tmp.resolve("reference"), tmp.resolve("guarded"));
        Path checkpoints = tmp.resolve("guarded/checkpoints");
        String before = snapshot(checkpoints);
        refused("bad-shape", args("guarded", "--resume", "--layers", "3"), "tensors do not match the model");
        Path other = TestSupport.writeCorpus(tmp.resolve("other-corpus"));
        Files.writeString(other.resolve("doc-extra.txt"), "a different document, long enough to matter here\n");
        refused("bad-data", with(args("guarded", "--resume"), "--data", other.toUri().toString()), "the data changed");
        assertEquals(before, snapshot(checkpoints), "refused resumes leave the checkpoints as they were");
        Path global = checkpoints.resolve("round-000005/global.safetensors");
        byte[] full = Files.readAllBytes(global);
        Files.write(global, java.util.Arrays.copyOf(full, full.length - 16));
        String truncated = snapshot(checkpoints);
        refused("bad-corrupt", args("guarded", "--resume"), "is corrupt");
        assertEquals(truncated, snapshot(checkpoints), "a corrupt checkpoint is reported, not repaired or removed");
    }
}
