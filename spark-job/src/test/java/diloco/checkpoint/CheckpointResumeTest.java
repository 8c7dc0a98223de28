package diloco.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.DiLoCoTrainer;
import diloco.StopSignal;
import diloco.TestSupport;
import diloco.config.TrainConfig;
import diloco.config.UserError;
import diloco.io.Json;
import diloco.io.RunOutput;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Checkpoints and resume in local mode: what is written, and that a resumed run is the same run. */
class CheckpointResumeTest {
    @TempDir
    static Path tmp;
    static Path corpus;
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @BeforeAll
    static void data() throws Exception {
        corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
    }

    private static TrainConfig.Builder config(String out) {
        return TestSupport.tinyConfig(corpus, tmp.resolve(out)).optRounds(4).optEvalEvery(2);
    }

    private static DiLoCoTrainer.Result run(TrainConfig.Builder b, StopSignal stop) throws Exception {
        return new DiLoCoTrainer(TestSupport.spark(), b.build(), QUIET, stop).run();
    }

    private static StopSignal stoppedAlready() {
        StopSignal s = StopSignal.none();
        s.request();
        return s;
    }

    @Test
    void checkpointsAreCompleteVerifiableAndPruned() throws Exception {
        Path out = tmp.resolve("ckpt");
        run(config("ckpt").optCheckpointEvery(1).optKeepCheckpoints(2), StopSignal.none());
        Path root = out.resolve("checkpoints");
        try (Stream<Path> s = Files.list(root)) {
            assertEquals(List.of("round-000003", "round-000004"),
                    s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
        }
        Path last = root.resolve("round-000004");
        Map<String, Object> manifest = Json.parseObject(Files.readString(last.resolve(Checkpoints.MANIFEST)));
        assertEquals(4, ((Number) manifest.get("round")).intValue());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> files = (List<Map<String, Object>>) manifest.get("files");
        List<String> names = new ArrayList<>();
        for (Map<String, Object> f : files) {
            Path p = last.resolve((String) f.get("path"));
            byte[] bytes = Files.readAllBytes(p);
            names.add((String) f.get("path"));
            assertEquals(((Number) f.get("bytes")).longValue(), bytes.length, p.toString());
            assertEquals(f.get("sha256"), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        }
        assertEquals(List.of("global.safetensors", "outer.safetensors", "state.json", "workers/worker-0000.safetensors",
                "workers/worker-0001.safetensors"), names.stream().sorted().collect(Collectors.toList()));
        Map<String, Object> state = Json.parseObject(Files.readString(last.resolve("state.json")));
        assertEquals(4, ((List<?>) state.get("metrics")).size());
        assertEquals(List.of(4, 4), state.get("last_active"));
    }

    /** Stopped after round 1 (as on SIGTERM), resumed: the same θ and metrics as an uninterrupted run. */
    @Test
    void resumedRunEqualsUninterruptedRun() throws Exception {
        DiLoCoTrainer.Result whole = run(config("whole"), StopSignal.none());

        DiLoCoTrainer.Result first = run(config("split"), stoppedAlready());
        assertTrue(first.stopped);
        assertEquals(1, first.rounds);
        assertTrue(Files.exists(tmp.resolve("split/checkpoints/round-000001/MANIFEST.json")));
        DiLoCoTrainer.Result rest = run(config("split").optResume(true), StopSignal.none());
        assertFalse(rest.stopped);
        double diff = 0;
        for (int i = 0; i < whole.theta.length; i++) {
            diff = Math.max(diff, Math.abs(whole.theta[i] - rest.theta[i]));
        }
        assertTrue(diff <= 1e-5, "max abs diff " + diff);
        assertEquals(whole.finalValLoss, rest.finalValLoss, 1e-5);

        List<String> lines = Files.readAllLines(tmp.resolve("split").resolve(RunOutput.METRICS));
        List<Integer> rounds = new ArrayList<>();
        for (String l : lines) {
            rounds.add(((Number) Json.parseObject(l).get("round")).intValue());
        }
        assertEquals(List.of(1, 2, 3, 4), rounds, "no round twice");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> sources = (List<Map<String, Object>>) Json.parseObject(lines.get(1)).get("state_source");
        assertEquals("checkpoint", sources.get(0).get("source"), "the resumed workers reload their own states");
        assertEquals(1, ((Number) sources.get(0).get("round")).intValue());
    }

    @Test
    void abandonedFirstRoundLeavesNoCheckpointAndResumeIfPresentStartsAfresh() throws Exception {
        // rounds long enough (200 steps) to be caught running
        DiLoCoTrainer.Result r = run(config("abandon").optInnerSteps(200).optShutdownGrace(0), stoppedAlready());
        assertTrue(r.stopped);
        assertEquals(0, r.rounds);
        assertFalse(Files.exists(tmp.resolve("abandon/checkpoints/round-000001")));
        UserError e = assertThrows(UserError.class, () -> run(config("abandon").optResume(true), StopSignal.none()));
        assertTrue(e.getMessage().contains("no complete checkpoint"), e.getMessage());
        DiLoCoTrainer.Result again = run(config("abandon").optResumeIfPresent(true), StopSignal.none());
        assertEquals(4, again.metrics.size());
    }

    private static String snapshot(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> {
                try {
                    return p + ":" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
                } catch (Exception ex) {
                    throw new RuntimeException(ex);
                }
            }).sorted().collect(Collectors.joining("\n"));
        }
    }

    @Test
    void badResumesAreRefusedAndLeaveCheckpointsAlone() throws Exception {
        run(config("guarded").optRounds(2), StopSignal.none());
        Path ckpts = tmp.resolve("guarded/checkpoints");
        String before = snapshot(ckpts);

        UserError shape = assertThrows(UserError.class, () -> run(config("guarded").optLayers(3).optResume(true), StopSignal.none()));
        assertTrue(shape.getMessage().contains("cannot be used") || shape.getMessage().contains("model"), shape.getMessage());
        UserError workers = assertThrows(UserError.class, () -> run(config("guarded").optWorkers(3).optResume(true), StopSignal.none()));
        assertTrue(workers.getMessage().contains("--workers"), workers.getMessage());
        Path other = TestSupport.writeCorpus(tmp.resolve("other-corpus"));
        Files.writeString(other.resolve("doc-03.txt"), "a different document\n");
        UserError data = assertThrows(UserError.class, () -> run(TestSupport.tinyConfig(other, tmp.resolve("guarded"))
                .optRounds(4).optEvalEvery(2).optResume(true), StopSignal.none()));
        assertTrue(data.getMessage().contains("the data changed"), data.getMessage());
        assertEquals(before, snapshot(ckpts), "refused resumes leave the checkpoints as they were");

        // a truncated file: the manifest check refuses the checkpoint, naming the file
        Path global = ckpts.resolve("round-000002/global.safetensors");
        byte[] full = Files.readAllBytes(global);
        Files.write(global, java.util.Arrays.copyOf(full, full.length - 16));
        UserError corrupt = assertThrows(UserError.class, () -> run(config("guarded").optResume(true), StopSignal.none()));
        assertTrue(corrupt.getMessage().contains("corrupt") && corrupt.getMessage().contains("global.safetensors"),
                corrupt.getMessage());
        Files.write(global, full);
        assertEquals(before, snapshot(ckpts));
    }

    @Test
    void everyRoundSyncWritesWorkerStatesThatResumeUses() throws Exception {
        TrainConfig.Builder b = config("sync").optInnerStateSync(TrainConfig.InnerStateSync.EVERY_ROUND).optCheckpointEvery(0);
        DiLoCoTrainer.Result first = run(b, stoppedAlready());
        assertTrue(first.stopped);
        Path state = tmp.resolve("sync/worker-state/worker-0001/round-000001.safetensors");
        assertTrue(Files.exists(state));
        DiLoCoTrainer.Result rest = run(config("sync").optInnerStateSync(TrainConfig.InnerStateSync.EVERY_ROUND)
                .optCheckpointEvery(0).optResume(true), StopSignal.none());
        DiLoCoTrainer.Result whole = run(config("sync-whole"), StopSignal.none());
        assertArrayEquals(whole.theta, rest.theta, 1e-5f);
        try (Stream<Path> s = Files.list(tmp.resolve("sync/worker-state/worker-0001"))) {
            assertEquals(List.of("round-000003.safetensors", "round-000004.safetensors"),
                    s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()), "older rounds pruned");
        }
    }
}
