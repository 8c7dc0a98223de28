package diloco.spark;

import org.apache.spark.SparkEnv;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;

/**
 * A test hook that makes fault injection deterministic: it holds one worker's task at a known
 * inner step, so that a test kills its executor (or the driver, or sends SIGTERM) while that task
 * is certainly inside its inner loop, instead of at a moment that depends on timing.
 *
 * <p>Off unless {@value #PAUSE_AT} = {@code WORKER:ROUND:STEP} (step 1-based within the round)
 * and {@value #MARKER_DIR} = a directory are set in the application's Spark configuration (or,
 * where the executor is the test's own JVM, as system properties). The first task that reaches
 * that step creates {@code paused-W-R-S} in the marker directory, holding
 * {@code PID executorId}, and waits until {@code release-W-R-S} appears there or the task is
 * killed; a task that finds the marker already made (a retry after the kill) goes on at once.
 */
public record FaultInjection(int worker, int round, int step, String markerDir) implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PAUSE_AT = "spark.diloco.test.pauseAt";
    public static final String MARKER_DIR = "spark.diloco.test.markerDir";

    /** The hook configured for this JVM, or null (the normal case). */
    public static FaultInjection fromEnvironment() {
        String at = setting(PAUSE_AT);
        String dir = setting(MARKER_DIR);
        if (at == null || dir == null) {
            return null;
        }
        String[] p = at.split(":");
        if (p.length != 3) {
            throw new IllegalArgumentException(PAUSE_AT + " must be WORKER:ROUND:STEP, got '" + at + "'");
        }
        return new FaultInjection(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]), dir);
    }

    private static String setting(String key) {
        SparkEnv env = SparkEnv.get();
        if (env != null && env.conf().contains(key)) {
            return env.conf().get(key);
        }
        return System.getProperty(key);
    }

    /** Marker a paused task leaves (for tests: wait for it, read the PID). */
    public static Path pausedMarker(Path dir, int worker, int round, int step) {
        return dir.resolve(String.format("paused-%d-%d-%d", worker, round, step));
    }

    /** File that lets a paused task go on. */
    public static Path releaseMarker(Path dir, int worker, int round, int step) {
        return dir.resolve(String.format("release-%d-%d-%d", worker, round, step));
    }

    /** Called before inner step {@code stepInRound} (1-based) of {@code w}'s round {@code r}. */
    void beforeStep(int w, int r, int stepInRound, String executorId) {
        if (w != worker || r != round || stepInRound != step) {
            return;
        }
        try {
            pause(w, r, stepInRound, executorId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the task was killed: its next step's check ends it
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void pause(int w, int r, int stepInRound, String executorId) throws InterruptedException, IOException {
        Path dir = Paths.get(markerDir);
        Path marker = pausedMarker(dir, w, r, stepInRound);
        try {
            Files.createDirectories(dir);
            Files.createFile(dir.resolve(marker.getFileName() + ".claimed")); // atomic: one attempt pauses
        } catch (FileAlreadyExistsException e) {
            return; // an earlier attempt paused here already: this one runs through
        }
        Path tmp = dir.resolve(marker.getFileName() + ".tmp");
        Files.writeString(tmp, ProcessHandle.current().pid() + " " + executorId, StandardCharsets.UTF_8);
        Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE); // readers never see it half written
        Path release = releaseMarker(dir, w, r, stepInRound);
        while (!Files.exists(release)) {
            Thread.sleep(20);
        }
    }
}
