package diloco.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.spark.FaultInjection;

import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A fit as a notebook runs it: in a paragraph's thread, under the paragraph's job group. The fit
 * leaves that group alone, so the paragraph's Cancel (cancelling its group) stops the fit inside
 * the round it is in, with the last complete checkpoint intact; and two fits in one SparkContext
 * do not touch each other's jobs.
 */
class NotebookCancelTest {
    @TempDir
    static Path tmp;
    static Dataset<Row> docs;

    @BeforeAll
    static void data() throws Exception {
        docs = DiLoCoTest.documents(TestSupport.paragraphs());
    }

    /** Worker 1 is held at its 2nd step of round 2 (a fault-injection hook), then the paragraph's group is cancelled. */
    @Test
    void cancellingTheParagraphsJobGroupStopsTheFitWithinTheRound() throws Exception {
        Path markers = Files.createDirectories(tmp.resolve("markers"));
        Path out = tmp.resolve("cancelled");
        System.setProperty(FaultInjection.PAUSE_AT, "1:2:2");
        System.setProperty(FaultInjection.MARKER_DIR, markers.toString());
        try {
            SparkContext sc = TestSupport.spark().sparkContext();
            CompletableFuture<DiLoCoModel> fit = CompletableFuture.supplyAsync(() -> {
                sc.setJobGroup("paragraph-7", "a note's paragraph", true);
                try {
                    return DiLoCoTest.tiny().setRounds(4).setCheckpointEvery(1).setOutputDir(out.toString()).fit(docs);
                } finally {
                    sc.clearJobGroup();
                }
            });
            Path paused = FaultInjection.pausedMarker(markers, 1, 2, 2);
            for (int i = 0; i < 1200 && !Files.exists(paused) && !fit.isDone(); i++) {
                Thread.sleep(100); // waits for the observable state: the worker held inside round 2
            }
            assertTrue(Files.exists(paused), "worker 1 reached round 2, step 2");
            sc.cancelJobGroup("paragraph-7");
            ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> fit.get(120, TimeUnit.SECONDS));
            assertNotNull(failed.getCause());
            try (Stream<Path> s = Files.list(out.resolve("checkpoints"))) {
                assertEquals(List.of("round-000001"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                        "round 1's checkpoint, and nothing of round 2");
            }
            assertTrue(Files.exists(out.resolve("checkpoints/round-000001/MANIFEST.json")));
        } finally {
            System.clearProperty(FaultInjection.PAUSE_AT);
            System.clearProperty(FaultInjection.MARKER_DIR);
        }
    }

    @Test
    void twoFitsAtOnceInOneSessionMakeTheModelsTheyMakeAlone() throws Exception {
        DiLoCo a = DiLoCoTest.tiny().setWorkers(3).setSeed(1L);
        DiLoCo b = DiLoCoTest.tiny().setWorkers(3).setSeed(2L);
        float[] aloneA = a.copy(new org.apache.spark.ml.param.ParamMap()).setOutputDir(tmp.resolve("a0").toString())
                .fit(docs).parameters();
        float[] aloneB = b.copy(new org.apache.spark.ml.param.ParamMap()).setOutputDir(tmp.resolve("b0").toString())
                .fit(docs).parameters();
        CompletableFuture<float[]> togetherA = CompletableFuture.supplyAsync(
                () -> a.setOutputDir(tmp.resolve("a1").toString()).fit(docs).parameters());
        CompletableFuture<float[]> togetherB = CompletableFuture.supplyAsync(
                () -> b.setOutputDir(tmp.resolve("b1").toString()).fit(docs).parameters());
        assertArrayEquals(aloneA, togetherA.get(300, TimeUnit.SECONDS), 0f);
        assertArrayEquals(aloneB, togetherB.get(300, TimeUnit.SECONDS), 0f);
        assertFalse(java.util.Arrays.equals(aloneA, aloneB), "two different runs");
    }
}
