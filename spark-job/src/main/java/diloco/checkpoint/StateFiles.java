package diloco.checkpoint;

import ai.djl.ndarray.NDManager;

import diloco.io.HadoopConf;
import diloco.model.ParamLayout;
import diloco.worker.StateSource;
import diloco.worker.WorkerState;

import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.Serializable;

/**
 * Where a worker finds its state on disk when its executor's memory lost it (executor loss, a
 * resumed run): the every-round file of the round it needs, else the newest checkpoint at or
 * before it. Shipped to executors with the run's qualified output directory and Hadoop settings.
 */
public final class StateFiles implements Serializable {
    private static final long serialVersionUID = 1L;

    private final HadoopConf conf;
    private final String out;

    public StateFiles(HadoopConf conf, String qualifiedOut) {
        this.conf = conf;
        this.out = qualifiedOut;
    }

    public Path out() {
        return new Path(out);
    }

    public org.apache.hadoop.conf.Configuration conf() {
        return conf.get();
    }

    /** A state read back from disk, and where it came from. */
    public static final class Restored {
        public final WorkerState state;
        public final StateSource source;

        Restored(WorkerState state, StateSource source) {
            this.state = state;
            this.source = source;
        }
    }

    /**
     * The worker's state at the end of {@code round} from its every-round file, or else from the
     * checkpoint of {@code checkpointRound} (0 = none), whose file holds the state of the worker's
     * last active round at that checkpoint. With {@code exact}, only a state of {@code round}
     * itself is returned (for writing it into a new checkpoint); otherwise an older one is
     * acceptable (a restarted worker continues from it and reports its round). Null when none fits.
     */
    public Restored find(int worker, int round, int checkpointRound, boolean exact, ParamLayout layout,
            NDManager parent) throws IOException {
        Path sync = WorkerStateFiles.syncFile(out(), worker, round);
        if (WorkerStateFiles.exists(conf.get(), sync)) {
            return new Restored(WorkerStateFiles.read(conf.get(), sync, layout, worker, parent),
                    new StateSource(StateSource.Kind.CHECKPOINT, round));
        }
        if (checkpointRound > 0) {
            Path file = new Path(new Checkpoints(conf.get(), out()).roundDir(checkpointRound),
                    WorkerStateFiles.checkpointFile(worker));
            if (WorkerStateFiles.exists(conf.get(), file)) {
                int held = WorkerStateFiles.roundOf(conf.get(), file);
                if (held <= round && (!exact || held == round)) {
                    return new Restored(WorkerStateFiles.read(conf.get(), file, layout, worker, parent),
                            new StateSource(StateSource.Kind.CHECKPOINT, held));
                }
            }
        }
        return null;
    }
}
