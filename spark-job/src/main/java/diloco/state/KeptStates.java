package diloco.state;

import ai.djl.ndarray.NDManager;

import diloco.Log;
import diloco.checkpoint.Checkpoints;
import diloco.exchange.StateSource;
import diloco.io.FileEntry;
import diloco.io.HadoopConf;
import diloco.model.ParamLayout;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;

/**
 * Worker states of a run that writes files: kept in the executor's memory ({@link WorkerStateStore})
 * and, where memory lost them (executor loss, a resumed run), restored from disk: the every-round
 * file of the round needed ({@code --inner-state-sync every-round}), else the newest checkpoint at
 * or before it. Shipped to executors with the run's qualified output directory and Hadoop settings.
 *
 * @param runId      the run's key in executor memory
 * @param conf       the run's Hadoop settings
 * @param out        the run's output directory, as a full URI
 * @param everyRound whether each round's state is written too ({@code --inner-state-sync every-round})
 */
public record KeptStates(String runId, HadoopConf conf, String out, boolean everyRound) implements WorkerStates {
    private static final long serialVersionUID = 1L;

    @Override
    public Checkout checkout(int worker, int previousRound, int checkpointRound, ParamLayout layout, NDManager parent)
            throws IOException {
        Checkout kept = WorkerStateStore.get().checkout(runId, worker, previousRound, layout, parent);
        if (kept.source().kind() != StateSource.Kind.FRESH || previousRound == 0) {
            return kept;
        }
        Checkout restored = find(worker, previousRound, checkpointRound, false, layout, parent);
        if (restored == null) {
            return kept; // fresh: the driver warns
        }
        kept.state().close();
        return restored;
    }

    @Override
    public double commit(int worker, int previousRound, int round, WorkerState state, ParamLayout layout)
            throws IOException {
        long start = System.nanoTime();
        if (everyRound) {
            try {
                Path sync = WorkerStateFiles.syncFile(new Path(out), worker, round);
                WorkerStateFiles.write(hadoop(), sync.getParent(), sync.getName(), state, layout, worker, round);
                WorkerStateFiles.pruneSync(hadoop(), new Path(out), worker, previousRound);
            } catch (IOException | RuntimeException e) {
                state.close(); // not kept: the task fails and its retry starts from the previous state
                throw e;
            }
        }
        WorkerStateStore.get().commit(runId, worker, previousRound, round, state);
        return everyRound ? (System.nanoTime() - start) / 1e9 : 0;
    }

    /**
     * Writes the state {@code worker} kept at the end of {@code round} into a checkpoint directory.
     * If this executor's memory does not hold it (the task landed on another executor than the
     * worker's last round, or that executor is gone) and no file of that round exists, the newest
     * older state on disk is written, labelled with its own round, since that is where the worker
     * continues from; with none at all, nothing is written (the worker would restart fresh, and say so).
     */
    @Override
    public FileEntry save(int worker, int round, int checkpointRound, String dir, ParamLayout layout, NDManager parent)
            throws IOException {
        WorkerState state = WorkerStateStore.get().peek(runId, worker, round);
        if (state != null) {
            return WorkerStateFiles.write(hadoop(), new Path(dir), WorkerStateFiles.checkpointFile(worker), state, layout,
                    worker, round);
        }
        String where = "worker " + worker + "'s state of round " + round + " is not in this executor's memory nor on disk";
        Checkout restored = find(worker, round, checkpointRound, false, layout, parent);
        if (restored == null) {
            Log.standard(System.err).line(where + ", and no older one exists: not in this checkpoint");
            return null;
        }
        int held = restored.source().round();
        Log.standard(System.err).line(where + ": the checkpoint keeps its state of round " + held);
        try (WorkerState older = restored.state()) {
            return WorkerStateFiles.write(hadoop(), new Path(dir), WorkerStateFiles.checkpointFile(worker), older, layout,
                    worker, held);
        }
    }

    /**
     * The worker's state at the end of {@code round} from its every-round file, or else from the
     * checkpoint of {@code checkpointRound} (0 = none), whose file holds the state of the worker's
     * last active round at that checkpoint. With {@code exact}, only a state of {@code round}
     * itself is returned; otherwise an older one is acceptable (a restarted worker continues from
     * it and reports its round). Null when none fits.
     */
    private Checkout find(int worker, int round, int checkpointRound, boolean exact, ParamLayout layout, NDManager parent)
            throws IOException {
        Path sync = WorkerStateFiles.syncFile(new Path(out), worker, round);
        if (WorkerStateFiles.exists(hadoop(), sync)) {
            return new Checkout(WorkerStateFiles.read(hadoop(), sync, layout, worker, parent),
                    new StateSource(StateSource.Kind.CHECKPOINT, round));
        }
        if (checkpointRound > 0) {
            Path file = new Path(new Checkpoints(hadoop(), new Path(out)).roundDir(checkpointRound),
                    WorkerStateFiles.checkpointFile(worker));
            if (WorkerStateFiles.exists(hadoop(), file)) {
                int held = WorkerStateFiles.roundOf(hadoop(), file);
                if (held <= round && (!exact || held == round)) {
                    return new Checkout(WorkerStateFiles.read(hadoop(), file, layout, worker, parent),
                            new StateSource(StateSource.Kind.CHECKPOINT, held));
                }
            }
        }
        return null;
    }

    private Configuration hadoop() {
        return conf.get();
    }
}
