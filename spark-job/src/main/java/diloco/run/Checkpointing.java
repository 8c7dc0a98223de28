package diloco.run;

import diloco.Checkpointer;
import diloco.Log;
import diloco.LoopState;
import diloco.WorkerPool;
import diloco.checkpoint.Checkpoints;
import diloco.io.FileEntry;
import diloco.model.ParamLayout;
import diloco.optim.OuterOptimizer;

import org.apache.hadoop.fs.Path;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a checkpoint every {@code every} rounds, after the last, and at a stop: first the
 * workers' states (a Spark job; each worker writes its own), then θ, the outer state, the loop's
 * state and the manifest, last. A failed checkpoint is reported and the previous one stays.
 */
final class Checkpointing implements Checkpointer {
    private final WorkerPool workers;
    private final Checkpoints checkpoints;
    private final ParamLayout layout;
    private final OuterOptimizer outer;
    /** What state.json holds besides the loop's state: config, data statistics, run id. */
    private final Map<String, Object> provenance;
    private final int every;
    private final int lastRound;
    private final int keep;
    private final Log log;

    Checkpointing(WorkerPool workers, Checkpoints checkpoints, ParamLayout layout, OuterOptimizer outer,
            Map<String, Object> provenance, int every, int lastRound, int keep, Log log) {
        this.workers = workers;
        this.checkpoints = checkpoints;
        this.layout = layout;
        this.outer = outer;
        this.provenance = provenance;
        this.every = every;
        this.lastRound = lastRound;
        this.keep = keep;
        this.log = log;
    }

    @Override
    public int afterRound(LoopState state, float[] theta) {
        int r = state.round();
        return r == lastRound || (every > 0 && r % every == 0) ? write(state, theta) : state.checkpointRound();
    }

    @Override
    public int atStop(LoopState state, float[] theta) {
        return write(state, theta);
    }

    /** Writes the checkpoint of {@code state.round()}; returns the newest complete checkpoint's round. */
    private int write(LoopState state, float[] theta) {
        int r = state.round();
        if (state.checkpointRound() == r) {
            return r;
        }
        long t0 = System.nanoTime();
        try {
            Path dir = checkpoints.roundDir(r);
            Path aside = checkpoints.moveAsideIfComplete(r);
            if (aside != null) {
                log.say("the checkpoint of round %d skipped on resume moved aside to %s", r, aside);
            }
            int[] lastActive = state.lastActive().stream().mapToInt(Integer::intValue).toArray();
            List<FileEntry> workerFiles = workers.saveStates(lastActive, state.checkpointRound(), dir.toString());
            Map<String, Object> st = new LinkedHashMap<>(state.toJson());
            st.putAll(provenance);
            checkpoints.commit(r, layout, theta, outer, st, workerFiles);
            checkpoints.prune(keep);
            log.say("checkpoint round %d: %s (%.1f s)", r, dir, (System.nanoTime() - t0) / 1e9);
            return r;
        } catch (Exception e) { // also Spark's SparkException, which Scala throws unchecked
            log.say("warning: checkpoint of round %d failed, the previous one (round %d) stays: %s", r,
                    state.checkpointRound(), String.valueOf(e.getMessage()).split("\n")[0]);
            return state.checkpointRound();
        }
    }
}
