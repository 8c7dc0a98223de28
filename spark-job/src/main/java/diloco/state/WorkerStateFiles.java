package diloco.state;

import ai.djl.ndarray.NDManager;

import diloco.io.FileEntry;
import diloco.io.HadoopFiles;
import diloco.io.SafeTensors;
import diloco.model.ParamLayout;
import diloco.optim.AdamWState;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A worker's state as a safetensors file, written and read by the worker itself on its executor
 * (the driver never holds k optimizer states): AdamW moments {@code m.NAME} and {@code v.NAME},
 * its own parameters {@code theta.NAME} when it keeps them, the step count in the metadata.
 *
 * <p>Where they live, under the run's output directory:
 * <pre>
 *   checkpoints/round-000040/workers/worker-0003.safetensors   (part of a checkpoint)
 *   worker-state/worker-0003/round-000041.safetensors          (--inner-state-sync every-round)
 * </pre>
 */
public final class WorkerStateFiles {
    private WorkerStateFiles() {}

    public static String checkpointFile(int worker) {
        return String.format("workers/worker-%04d.safetensors", worker);
    }

    public static Path syncFile(Path out, int worker, int round) {
        return new Path(out, String.format("worker-state/worker-%04d/round-%06d.safetensors", worker, round));
    }

    /** Writes the state; returns its manifest entry (path relative to {@code base}). */
    public static FileEntry write(Configuration conf, Path base, String relative, WorkerState state, ParamLayout layout,
            int worker, int round) throws IOException {
        float[][] moments = state.optimizer().toHost(layout);
        List<SafeTensors.Tensor> tensors = new ArrayList<>(SafeTensors.tensors(layout, moments[0], "m."));
        tensors.addAll(SafeTensors.tensors(layout, moments[1], "v."));
        if (state.ownParameters() != null) {
            tensors.addAll(SafeTensors.tensors(layout, state.ownParameters(), "theta."));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("worker", Integer.toString(worker));
        meta.put("round", Integer.toString(round));
        meta.put("adamw_step", Long.toString(state.optimizer().step()));
        HadoopFiles.Written w = new HadoopFiles(conf).write(new Path(base, relative),
                out -> SafeTensors.write(out, tensors, meta));
        return new FileEntry(relative, w.bytes(), w.sha256());
    }

    /** The round a state file holds (from its metadata). */
    public static int roundOf(Configuration conf, Path file) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(new HadoopFiles(conf).read(file));
        return Integer.parseInt(c.metadata.getOrDefault("round", "-1"));
    }

    /** Reads a state written by {@link #write}; checks that it belongs to this worker and model. */
    public static WorkerState read(Configuration conf, Path file, ParamLayout layout, int worker, NDManager parent)
            throws IOException {
        SafeTensors.Contents c = SafeTensors.read(new HadoopFiles(conf).read(file));
        if (!Integer.toString(worker).equals(c.metadata.get("worker"))) {
            throw new IOException(file + " holds the state of worker " + c.metadata.get("worker") + ", not " + worker);
        }
        float[] means = c.flatten(layout, "m.");
        float[] variances = c.flatten(layout, "v.");
        float[] own = c.tensors.containsKey("theta." + layout.entries().get(0).name) ? c.flatten(layout, "theta.") : null;
        long step = Long.parseLong(c.metadata.getOrDefault("adamw_step", "0"));
        return new WorkerState(AdamWState.fromHost(layout, parent, means, variances, step), own);
    }

    public static boolean exists(Configuration conf, Path file) throws IOException {
        return new HadoopFiles(conf).fileSystem(file).exists(file);
    }

    /** Deletes this worker's every-round files older than {@code keepFrom}. */
    public static void pruneSync(Configuration conf, Path out, int worker, int keepFrom) throws IOException {
        Path dir = syncFile(out, worker, 0).getParent();
        FileSystem fs = new HadoopFiles(conf).fileSystem(dir);
        if (!fs.exists(dir)) {
            return;
        }
        for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(dir)) {
            String n = st.getPath().getName();
            if (n.startsWith("round-") && n.endsWith(".safetensors")
                    && Integer.parseInt(n.substring(6, n.indexOf('.'))) < keepFrom) {
                fs.delete(st.getPath(), false);
            }
        }
    }
}
