package diloco.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.io.Json;
import diloco.io.SafeTensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The smoke suite end to end on a tiny model: a table, a JSON file and a real PNG. */
class SmokeSuiteTest {
    @TempDir
    Path tmp;

    private String lastLog = "";

    private int run(Path out, Path corpus, String... extra) {
        int status = runWithStatus(out, corpus, extra);
        assertEquals(0, status, lastLog);
        return status;
    }

    private int runWithStatus(Path out, Path corpus, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--suite", "smoke", "--total-inner-steps", "8",
                "--data", corpus.toString(), "--out", out.toString(), "--preset", "tiny", "--batch-size", "4",
                "--inner-steps", "4", "--inner-lr", "3e-3", "--warmup-steps", "2", "--val-fraction", "0.2",
                "--val-windows", "8", "--threads-per-worker", "1"));
        args.addAll(List.of(extra));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int status = Experiments.run(args.toArray(new String[0]), new PrintStream(log, true, StandardCharsets.UTF_8),
                new PrintStream(log, true, StandardCharsets.UTF_8), false);
        lastLog = log.toString(StandardCharsets.UTF_8);
        return status;
    }

    @Test
    void smokeWritesTableJsonAndCharts() throws Exception {
        Path corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
        Path out = tmp.resolve("smoke");
        run(out, corpus);

        String table = Files.readString(out.resolve("results.md"));
        assertTrue(table.contains("| 1 worker |") && table.contains("| DiLoCo k=2, H=4 |"), table);
        Map<String, Object> json = Json.parseObject(Files.readString(out.resolve("results.json")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) json.get("rows");
        assertEquals(2, rows.size());
        assertEquals("smoke", json.get("suite"));
        assertTrue(((String) json.get("command")).contains("--suite smoke"));
        for (Map<String, Object> r : rows) {
            assertTrue(((Number) r.get("final_val_loss_mean")).doubleValue() < Math.log(256));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> diloco = ((List<Map<String, Object>>) rows.get(1).get("runs")).get(0);
        // 2 rounds x (2 workers up + 2 down) x params x 4 bytes, against DP: 8 steps x 2 workers x 2 directions
        assertEquals(2.0 / 8, ((Number) diloco.get("communication_vs_data_parallel")).doubleValue(), 1e-12);

        byte[] png = Files.readAllBytes(out.resolve("loss-vs-steps.png"));
        assertTrue(png.length > 1000);
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        assertEquals('N', png[2]);
        assertEquals('G', png[3]);
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(out.resolve("loss-vs-steps.png").toFile());
        assertEquals(960, img.getWidth());

        // finished runs are reused: a second invocation trains nothing and reports the same rows
        long before = Files.getLastModifiedTime(out.resolve("runs").resolve("1-worker-seed0").resolve("metrics.jsonl")).toMillis();
        run(out, corpus, "--report-only");
        assertEquals(before, Files.getLastModifiedTime(out.resolve("runs").resolve("1-worker-seed0").resolve("metrics.jsonl")).toMillis());
    }

    /**
     * A report of an unfinished suite is refused unless --allow-missing, which reports the
     * finished configurations and names the others.
     */
    @Test
    void reportOfAnUnfinishedSuiteNamesWhatIsMissing() throws Exception {
        Path corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
        Path out = tmp.resolve("smoke");
        run(out, corpus, "--partition", "0/2"); // runs only the first configuration, 1 worker
        assertEquals(2, runWithStatus(out, corpus, "--report-only"));
        assertTrue(lastLog.contains("diloco: error: --report-only: runs not finished yet: diloco-k-2-h-4-seed0"), lastLog);
        assertTrue(!Files.exists(out.resolve("results.md")));
        assertEquals(2, runWithStatus(out, corpus, "--allow-missing"));
        assertTrue(lastLog.contains("--allow-missing applies to --report-only"), lastLog);

        run(out, corpus, "--report-only", "--allow-missing");
        String table = Files.readString(out.resolve("results.md"));
        assertTrue(table.contains("| 1 worker |") && !table.contains("| DiLoCo k=2"), table);
        assertTrue(table.contains("- not_run: `diloco-k-2-h-4-seed0`"), table);
        @SuppressWarnings("unchecked")
        List<Object> rows = (List<Object>) Json.parseObject(Files.readString(out.resolve("results.json"))).get("rows");
        assertEquals(1, rows.size());
    }

    /** An interrupted run of the same configuration continues from its checkpoint, to the same model. */
    @Test
    void interruptedRunContinuesFromItsCheckpoint() throws Exception {
        Path corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
        Path out = tmp.resolve("smoke");
        run(out, corpus, "--checkpoint-every", "1");
        Path runDir;
        try (java.util.stream.Stream<Path> runs = Files.list(out.resolve("runs"))) {
            runDir = runs.filter(p -> p.getFileName().toString().startsWith("diloco")).findFirst().orElseThrow();
        }
        byte[] model = Files.readAllBytes(runDir.resolve("model.safetensors"));
        // as if stopped after round 1 of 2: its last checkpoint gone, the run not marked finished
        TestSupport.deleteTree(runDir.resolve("checkpoints/round-000002"));
        Files.delete(runDir.resolve("run.json"));
        Files.delete(runDir.resolve("model.safetensors"));

        run(out, corpus, "--checkpoint-every", "1");
        assertTrue(lastLog.contains("--resume-if-present") && lastLog.contains("resumed from"), lastLog);
        Map<String, float[]> before = SafeTensors.read(model).tensors;
        Map<String, float[]> after = SafeTensors.read(Files.readAllBytes(runDir.resolve("model.safetensors"))).tensors;
        assertEquals(before.keySet(), after.keySet());
        before.forEach((name, values) -> org.junit.jupiter.api.Assertions.assertArrayEquals(values, after.get(name), name
                + ": the continued run ends with the uninterrupted run's parameters"));
    }
}
