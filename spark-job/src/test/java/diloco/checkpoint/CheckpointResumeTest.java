package diloco.checkpoint;

import static diloco.config.Options.CHECKPOINT_EVERY;
import static diloco.config.Options.EVAL_EVERY;
import static diloco.config.Options.INNER_STATE_SYNC;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.KEEP_CHECKPOINTS;
import static diloco.config.Options.LAYERS;
import static diloco.config.Options.RESUME;
import static diloco.config.Options.RESUME_IF_PRESENT;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.SHUTDOWN_GRACE;
import static diloco.config.Options.WORKERS;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.StopSignal;
import diloco.TestSupport;
import diloco.checkpoint.InnerStateSync;
import diloco.config.TrainConfig;
import diloco.io.Json;
import diloco.option.UserError;
import diloco.run.DiLoCoTrainer;
import diloco.run.RunOutput;

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
        return TestSupport.tinyConfig(corpus, tmp.resolve(out)).set(ROUNDS, 4).set(EVAL_EVERY, 2);
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
        run(config("ckpt").set(CHECKPOINT_EVERY, 1).set(KEEP_CHECKPOINTS, 2), StopSignal.none());
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

    /**
     * Stopped after round 1 (as on SIGTERM), resumed: the same θ, to the bit, and the same metrics as
     * an uninterrupted run, with 4 workers (whose outer gradients are summed in a fixed order).
     */
    @Test
    void resumedRunEqualsUninterruptedRun() throws Exception {
        DiLoCoTrainer.Result whole = run(config("whole").set(WORKERS, 4), StopSignal.none());

        DiLoCoTrainer.Result first = run(config("split").set(WORKERS, 4), stoppedAlready());
        assertTrue(first.stopped());
        assertEquals(1, first.rounds());
        assertTrue(Files.exists(tmp.resolve("split/checkpoints/round-000001/MANIFEST.json")));
        DiLoCoTrainer.Result rest = run(config("split").set(WORKERS, 4).set(RESUME, true), StopSignal.none());
        assertFalse(rest.stopped());
        assertArrayEquals(whole.theta(), rest.theta(), 0f, "the same θ to the bit");
        assertEquals(whole.finalValLoss(), rest.finalValLoss(), 0.0);

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
        DiLoCoTrainer.Result r = run(config("abandon").set(INNER_STEPS, 200).set(SHUTDOWN_GRACE, 0.0), stoppedAlready());
        assertTrue(r.stopped());
        assertEquals(0, r.rounds());
        assertFalse(Files.exists(tmp.resolve("abandon/checkpoints/round-000001")));
        UserError e = assertThrows(UserError.class, () -> run(config("abandon").set(RESUME, true), StopSignal.none()));
        assertTrue(e.getMessage().contains("no complete checkpoint"), e.getMessage());
        DiLoCoTrainer.Result again = run(config("abandon").set(RESUME_IF_PRESENT, true), StopSignal.none());
        assertEquals(4, again.metrics().size());
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
        run(config("guarded").set(ROUNDS, 2), StopSignal.none());
        Path ckpts = tmp.resolve("guarded/checkpoints");
        String before = snapshot(ckpts);

        UserError shape = assertThrows(UserError.class, () -> run(config("guarded").set(LAYERS, 3).set(RESUME, true), StopSignal.none()));
        assertTrue(shape.getMessage().contains("cannot be used") || shape.getMessage().contains("model"), shape.getMessage());
        UserError workers = assertThrows(UserError.class, () -> run(config("guarded").set(WORKERS, 3).set(RESUME, true), StopSignal.none()));
        assertTrue(workers.getMessage().contains("--workers"), workers.getMessage());
        Path other = TestSupport.writeCorpus(tmp.resolve("other-corpus"));
        Files.writeString(other.resolve("doc-03.txt"), "a different document\n");
        UserError data = assertThrows(UserError.class, () -> run(TestSupport.tinyConfig(other, tmp.resolve("guarded"))
                .set(ROUNDS, 4).set(EVAL_EVERY, 2).set(RESUME, true), StopSignal.none()));
        assertTrue(data.getMessage().contains("the data changed"), data.getMessage());
        assertEquals(before, snapshot(ckpts), "refused resumes leave the checkpoints as they were");

        // a truncated file: the manifest check refuses the checkpoint, naming the file
        Path global = ckpts.resolve("round-000002/global.safetensors");
        byte[] full = Files.readAllBytes(global);
        Files.write(global, java.util.Arrays.copyOf(full, full.length - 16));
        UserError corrupt = assertThrows(UserError.class, () -> run(config("guarded").set(RESUME, true), StopSignal.none()));
        assertTrue(corrupt.getMessage().contains("corrupt") && corrupt.getMessage().contains("global.safetensors"),
                corrupt.getMessage());
        Files.write(global, full);
        assertEquals(before, snapshot(ckpts));
    }

    /**
     * A scheduler's retry (--resume-if-present) over a corrupt newest checkpoint falls back to the
     * newest one that verifies, says which it skipped, and ends where an uninterrupted run ends;
     * the skipped checkpoint stays on disk. --resume refuses it; when none verifies, both refuse.
     */
    @Test
    void resumeIfPresentFallsBackPastACorruptCheckpoint() throws Exception {
        DiLoCoTrainer.Result whole = run(config("fallback-whole"), StopSignal.none());
        run(config("fallback").set(CHECKPOINT_EVERY, 1).set(KEEP_CHECKPOINTS, 2), StopSignal.none());
        Path ckpts = tmp.resolve("fallback/checkpoints");
        Path newest = ckpts.resolve("round-000004/global.safetensors");
        byte[] good = Files.readAllBytes(newest);
        byte[] bad = good.clone();
        bad[bad.length - 1] ^= 1;
        Files.write(newest, bad);

        UserError strict = assertThrows(UserError.class,
                () -> run(config("fallback").set(CHECKPOINT_EVERY, 1).set(RESUME, true), StopSignal.none()));
        assertTrue(strict.getMessage().contains("round-000004") && strict.getMessage().contains("is corrupt"),
                strict.getMessage());

        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        DiLoCoTrainer.Result resumed = new DiLoCoTrainer(TestSupport.spark(),
                config("fallback").set(CHECKPOINT_EVERY, 1).set(RESUME_IF_PRESENT, true).build(),
                new PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8)).run();
        String said = log.toString(java.nio.charset.StandardCharsets.UTF_8);
        List<String> warnings = said.lines().filter(l -> l.contains("warning: ")).collect(Collectors.toList());
        assertEquals(1, warnings.size(), said);
        assertTrue(warnings.get(0).contains("round-000004") && warnings.get(0).contains("global.safetensors"), warnings.get(0));
        assertTrue(said.contains("resumed from") && said.contains("round-000003: round 3 of 4"), said);
        assertEquals(4, resumed.metrics().size());
        double diff = 0;
        for (int i = 0; i < whole.theta().length; i++) {
            diff = Math.max(diff, Math.abs(whole.theta()[i] - resumed.theta()[i]));
        }
        assertTrue(diff <= 1e-5, "max abs diff " + diff);
        try (Stream<Path> s = Files.list(ckpts)) {
            List<Path> aside = s.filter(p -> p.getFileName().toString().startsWith("round-000004.corrupt-"))
                    .collect(Collectors.toList());
            assertEquals(1, aside.size(), "the skipped checkpoint is kept aside");
            assertTrue(java.util.Arrays.equals(bad, Files.readAllBytes(aside.get(0).resolve("global.safetensors"))));
        }

        // every checkpoint corrupt: both refuse
        try (Stream<Path> s = Files.list(ckpts)) {
            for (Path dir : s.filter(p -> p.getFileName().toString().matches("round-\\d{6}")).collect(Collectors.toList())) {
                Path g = dir.resolve("global.safetensors");
                byte[] b = Files.readAllBytes(g);
                b[b.length - 1] ^= 1;
                Files.write(g, b);
            }
        }
        UserError none = assertThrows(UserError.class,
                () -> run(config("fallback").set(RESUME_IF_PRESENT, true), StopSignal.none()));
        assertTrue(none.getMessage().contains("no checkpoint in") && none.getMessage().contains("verifies"), none.getMessage());
    }

    @Test
    void everyRoundSyncWritesWorkerStatesThatResumeUses() throws Exception {
        TrainConfig.Builder b = config("sync").set(INNER_STATE_SYNC, InnerStateSync.EVERY_ROUND).set(CHECKPOINT_EVERY, 0);
        DiLoCoTrainer.Result first = run(b, stoppedAlready());
        assertTrue(first.stopped());
        Path state = tmp.resolve("sync/worker-state/worker-0001/round-000001.safetensors");
        assertTrue(Files.exists(state));
        DiLoCoTrainer.Result rest = run(config("sync").set(INNER_STATE_SYNC, InnerStateSync.EVERY_ROUND)
                .set(CHECKPOINT_EVERY, 0).set(RESUME, true), StopSignal.none());
        DiLoCoTrainer.Result whole = run(config("sync-whole"), StopSignal.none());
        assertArrayEquals(whole.theta(), rest.theta(), 1e-5f);
        try (Stream<Path> s = Files.list(tmp.resolve("sync/worker-state/worker-0001"))) {
            assertEquals(List.of("round-000003.safetensors", "round-000004.safetensors"),
                    s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()), "older rounds pruned");
        }
    }
}
