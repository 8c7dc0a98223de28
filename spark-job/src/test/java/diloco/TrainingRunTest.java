package diloco;

import static diloco.config.Options.EVAL_EVERY;
import static diloco.config.Options.ROUNDS;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.config.TrainConfig;
import diloco.engine.Engines;
import diloco.engine.MatmulKernels;
import diloco.io.BuildInfo;
import diloco.io.Json;
import diloco.io.SafeTensors;
import diloco.model.Gpt;
import diloco.report.RunCharts;
import diloco.run.DiLoCoTrainer;
import diloco.run.RunOutput;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real (tiny) DiLoCo run on local Spark and real text: it learns and writes what it promises. */
class TrainingRunTest {
    @TempDir
    Path tmp;

    @Test
    void twoWorkersLowerValidationLossAndWriteOutputs() throws Exception {
        Path data = TestSupport.writeCorpus(tmp.resolve("corpus"));
        Path out = tmp.resolve("run");
        TrainConfig cfg = TestSupport.tinyConfig(data, out).set(ROUNDS, 4).set(EVAL_EVERY, 2).build();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        DiLoCoTrainer.Result result = new DiLoCoTrainer(TestSupport.spark(), cfg,
                new PrintStream(log, true, StandardCharsets.UTF_8)).run();

        assertNotNull(result.initialValLoss());
        assertEquals(Math.log(256), result.initialValLoss(), 0.1);
        assertTrue(result.finalValLoss() < result.initialValLoss() - 1.0,
                "validation loss " + result.initialValLoss() + " -> " + result.finalValLoss());

        List<Map<String, Object>> lines = new ArrayList<>();
        for (String l : Files.readAllLines(out.resolve(RunOutput.METRICS))) {
            lines.add(Json.parseObject(l));
        }
        assertEquals(4, lines.size());
        for (int r = 1; r <= 4; r++) {
            Map<String, Object> m = lines.get(r - 1);
            assertEquals(r, ((Number) m.get("round")).intValue());
            assertEquals(2, ((Number) m.get("workers")).intValue());
            assertEquals(2L * 5 * 8 * 32, ((Number) m.get("tokens")).longValue()); // k·H·B·T
            for (String key : new String[] {"inner_loss", "sec_broadcast", "sec_inner_max", "sec_inner_mean",
                    "sec_aggregate", "sec_outer", "sec_round", "bytes_up", "bytes_down", "state_reused", "state_source"}) {
                assertTrue(m.containsKey(key) && m.get(key) != null, "round " + r + " lacks " + key);
            }
            if (r % 2 == 0) {
                assertNotNull(m.get("val_loss"));
            } else {
                assertNull(m.get("val_loss"));
            }
            long bytes = 4L * new Gpt(cfg.model()).layout().size() * 2;
            assertEquals(bytes, ((Number) m.get("bytes_up")).longValue());
            assertEquals(bytes, ((Number) m.get("bytes_down")).longValue());
            // round 1 starts fresh; later rounds reuse the state each worker kept in memory
            assertEquals(r == 1 ? 0 : 2, ((Number) m.get("state_reused")).intValue());
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> sources = (List<Map<String, Object>>) m.get("state_source");
            assertEquals(r == 1 ? "fresh" : "memory", sources.get(1).get("source"));
            assertEquals(r == 1 ? null : r - 1, sources.get(1).get("round"));
        }

        Gpt gpt = new Gpt(cfg.model());
        SafeTensors.Contents model = SafeTensors.read(Files.readAllBytes(out.resolve(RunOutput.MODEL)));
        assertArrayEquals(result.theta(), model.flatten(gpt.layout()), 0f);
        Map<String, Object> run = Json.parseObject(Files.readString(out.resolve(RunOutput.RUN_JSON)));
        assertEquals(gpt.layout().size(), ((Number) run.get("parameters")).intValue());
        assertNotNull(((Map<?, ?>) run.get("data")).get("fingerprint"));
        assertEquals(2, ((Number) ((Map<?, ?>) run.get("config")).get("workers")).intValue());
        assertTrue(Files.exists(out.resolve(RunOutput.MODEL_CONFIG)));
        // --matmul-kernels auto in a JVM without the MKL fast paths: oneDNN wherever this process can use it
        String kernels = !BuildInfo.mklFastPaths() && MatmulKernels.whyNotOnednn(Engines.start(1)).isEmpty()
                ? MatmulKernels.ONEDNN_NAME : MatmulKernels.ONEMKL_NAME;
        for (RoundMetrics m : result.metrics()) {
            m.stateSource().forEach(w -> assertEquals(kernels, w.matmulKernels(), "worker " + w.worker()));
        }
        assertEquals(Map.of("driver", kernels), run.get("matmul_kernels_by_executor"), "run.json, local mode");
        for (String chart : new String[] {RunCharts.LOSS, RunCharts.TIME}) {
            java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(out.resolve(chart).toFile());
            assertEquals(960, img.getWidth(), chart + " is a real picture");
            assertEquals(540 + (chart.equals(RunCharts.TIME) ? 2 : 1) * 380, img.getHeight(),
                    chart + ": panels (agreement; per-worker bars and task parts) under the chart");
        }
        for (RoundMetrics m : result.metrics()) { // each task's parts lie within its span on the compute thread
            for (RoundMetrics.WorkerSource w : m.stateSource()) {
                double[] parts = w.parts().seconds();
                assertTrue(java.util.Arrays.stream(parts).allMatch(p -> p >= 0), java.util.Arrays.toString(parts));
                assertTrue(w.parts().secSteps() > 0, "the steps took time: " + w);
                assertTrue(w.parts().total() <= w.secInner() + 0.002, w.parts().total() + " within " + w.secInner());
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> first = ((List<Map<String, Object>>) lines.get(0).get("state_source")).get(0);
        for (String key : new String[] {"sec_engine", "sec_checkout", "sec_upload", "sec_steps", "sec_delta", "sec_commit"}) {
            assertTrue(first.get(key) instanceof Number, key + " in " + first);
        }
        for (RoundMetrics m : result.metrics()) { // the time chart's parts add up to the round
            double sum = java.util.Arrays.stream(RunCharts.parts(m)).sum();
            assertEquals(m.timings().secRound(), sum, 1e-9 + 1e-9 * m.timings().secRound());
        }
        String progress = log.toString(StandardCharsets.UTF_8);
        assertTrue(progress.contains("round 4/4"), progress);
        assertTrue(progress.contains("ETA"), progress);
    }
}
