package diloco.checkpoint;

import diloco.io.FileEntry;
import diloco.io.HadoopFiles;
import diloco.io.Json;
import diloco.io.SafeTensors;
import diloco.model.ParamLayout;
import diloco.optim.OuterOptimizer;
import diloco.option.UserError;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A run's checkpoints, {@code OUT/checkpoints/round-NNNNNN/}:
 * <pre>
 *   global.safetensors          θ after the round
 *   outer.safetensors           the outer optimizer's state (momentum, or Adam's moments)
 *   state.json                  round, config, schedule length, data fingerprint, metrics so far,
 *                               each worker's last active round
 *   workers/worker-NNNN.safetensors   each worker's AdamW state (and θᵢ), written by the worker
 *   MANIFEST.json               every file above with its size and SHA-256, written LAST
 * </pre>
 * The manifest is the commit marker (a rename is not atomic on object stores): a directory without
 * one is an interrupted checkpoint and is ignored, then removed. Loading verifies every file
 * against the manifest, so a truncated or altered checkpoint is refused, never half-used.
 */
public final class Checkpoints {
    public static final String MANIFEST = "MANIFEST.json";
    static final String GLOBAL = "global.safetensors";
    static final String OUTER = "outer.safetensors";
    static final String STATE = "state.json";

    private final HadoopFiles files;
    private final Path root;

    public Checkpoints(Configuration conf, Path out) {
        this.files = new HadoopFiles(conf);
        this.root = new Path(out, "checkpoints");
    }

    public Path roundDir(int round) {
        return new Path(root, String.format("round-%06d", round));
    }

    /** Writes the driver's files of round {@code round}, then the manifest over them and the workers' files. */
    public void commit(int round, ParamLayout layout, float[] theta, OuterOptimizer outer, Map<String, Object> state,
            List<FileEntry> workerFiles) throws IOException {
        Path dir = roundDir(round);
        List<FileEntry> entries = new ArrayList<>();
        Map<String, String> meta = Map.of("round", Integer.toString(round));
        entries.add(entry(GLOBAL, files.write(new Path(dir, GLOBAL), out -> SafeTensors.write(out, layout, theta, meta))));
        List<SafeTensors.Tensor> outerTensors = new ArrayList<>();
        for (Map.Entry<String, float[]> e : outer.state().entrySet()) {
            float[] v = e.getValue();
            outerTensors.add(new SafeTensors.Tensor(e.getKey(), new long[] {v.length}, v, 0, v.length));
        }
        entries.add(entry(OUTER, files.write(new Path(dir, OUTER), out -> SafeTensors.write(out, outerTensors, meta))));
        entries.add(entry(STATE, files.writeString(new Path(dir, STATE), Json.pretty(state))));
        entries.addAll(workerFiles);
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("round", round);
        manifest.put("created_at", Instant.now().toString());
        List<Map<String, Object>> list = new ArrayList<>();
        for (FileEntry f : entries) {
            list.add(f.toMap());
        }
        manifest.put("files", list);
        files.writeString(new Path(dir, MANIFEST), Json.pretty(manifest));
    }

    private static FileEntry entry(String name, HadoopFiles.Written w) {
        return new FileEntry(name, w.bytes(), w.sha256());
    }

    /** Rounds of the complete checkpoints (those with a manifest), ascending. */
    public TreeSet<Integer> completeRounds() throws IOException {
        TreeSet<Integer> rounds = new TreeSet<>();
        for (int r : allRounds()) {
            if (fs().exists(new Path(roundDir(r), MANIFEST))) {
                rounds.add(r);
            }
        }
        return rounds;
    }

    private TreeSet<Integer> allRounds() throws IOException {
        TreeSet<Integer> rounds = new TreeSet<>();
        FileSystem fs = fs();
        if (!fs.exists(root)) {
            return rounds;
        }
        for (FileStatus st : fs.listStatus(root)) {
            String n = st.getPath().getName();
            if (st.isDirectory() && n.matches("round-\\d{6}")) {
                rounds.add(Integer.parseInt(n.substring(6)));
            }
        }
        return rounds;
    }

    /** Keeps the newest {@code keep} complete checkpoints; removes older ones and older interrupted ones. */
    public void prune(int keep) throws IOException {
        TreeSet<Integer> complete = completeRounds();
        if (complete.isEmpty()) {
            return;
        }
        List<Integer> keepRounds = new ArrayList<>(complete.descendingSet()).subList(0, Math.min(keep, complete.size()));
        int newest = complete.last();
        for (int r : allRounds()) {
            boolean interruptedBefore = !complete.contains(r) && r < newest;
            boolean tooOld = complete.contains(r) && !keepRounds.contains(r);
            if (interruptedBefore || tooOld) {
                fs().delete(roundDir(r), true);
            }
        }
    }

    /** A loaded, verified checkpoint. */
    public static final class Loaded {
        public final int round;
        public final Path dir;
        public final float[] theta;
        public final Map<String, float[]> outer;
        public final Map<String, Object> state;

        Loaded(int round, Path dir, float[] theta, Map<String, float[]> outer, Map<String, Object> state) {
            this.round = round;
            this.dir = dir;
            this.theta = theta;
            this.outer = outer;
            this.state = state;
        }
    }

    /**
     * Loads the checkpoint of {@code round} after checking every file against its manifest
     * (existence, size, SHA-256): a mismatch or an unreadable file is a {@link CorruptCheckpoint}
     * naming the file; a verified checkpoint that does not fit {@code layout} is a {@link UserError}.
     */
    @SuppressWarnings("unchecked")
    public Loaded load(int round, ParamLayout layout) {
        Path dir = roundDir(round);
        String where = "checkpoint " + dir;
        try {
            Map<String, Object> manifest = Json.parseObject(new String(files.read(new Path(dir, MANIFEST)),
                    StandardCharsets.UTF_8));
            for (Object o : (List<Object>) manifest.get("files")) {
                FileEntry f = FileEntry.fromMap((Map<String, Object>) o);
                Path p = new Path(dir, f.path());
                if (!fs().exists(p)) {
                    throw new CorruptCheckpoint(where + " is incomplete: " + f.path() + " is missing");
                }
                HadoopFiles.Written actual = files.digest(p);
                if (actual.bytes() != f.bytes() || !actual.sha256().equals(f.sha256())) {
                    throw new CorruptCheckpoint(String.format(java.util.Locale.ROOT,
                            "%s is corrupt: %s has %d bytes and SHA-256 %s, the manifest says %d bytes and %s", where, f.path(),
                            actual.bytes(), actual.sha256().substring(0, 12), f.bytes(), f.sha256().substring(0, 12)));
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof CorruptCheckpoint) {
                throw (CorruptCheckpoint) e;
            }
            throw new CorruptCheckpoint(where + " cannot be read: " + String.valueOf(e.getMessage()).split("\n")[0]);
        }
        try { // verified: what fails now is a checkpoint of another model, not a damaged one
            float[] theta = SafeTensors.read(files.read(new Path(dir, GLOBAL))).flatten(layout);
            Map<String, float[]> outer = new LinkedHashMap<>(SafeTensors.read(files.read(new Path(dir, OUTER))).tensors);
            Map<String, Object> state = Json.parseObject(new String(files.read(new Path(dir, STATE)), StandardCharsets.UTF_8));
            return new Loaded(round, dir, theta, outer, state);
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserError) {
                throw (UserError) e;
            }
            throw new UserError(where + " cannot be used: " + String.valueOf(e.getMessage()).split("\n")[0]);
        }
    }

    /**
     * The newest complete checkpoint that verifies, or null when there is none at all. With
     * {@code strict} ({@code --resume}) a corrupt newest checkpoint is refused; otherwise
     * ({@code --resume-if-present}) it is skipped with a warning, left on disk as it is, and the
     * next older one is tried. When every checkpoint is corrupt, both refuse.
     */
    public Loaded newestUsable(ParamLayout layout, boolean strict, java.util.function.Consumer<String> warn)
            throws IOException {
        TreeSet<Integer> rounds = completeRounds();
        CorruptCheckpoint newest = null;
        for (int round : rounds.descendingSet()) {
            try {
                return load(round, layout);
            } catch (CorruptCheckpoint e) {
                if (strict) {
                    throw e;
                }
                newest = newest == null ? e : newest;
                warn.accept("warning: " + e.getMessage() + "; skipped (left on disk), trying an older checkpoint");
            }
        }
        if (newest != null) {
            throw new CorruptCheckpoint("no checkpoint in " + root + " verifies; the newest: " + newest.getMessage());
        }
        return null;
    }

    /**
     * Before a new checkpoint of {@code round} is written: a complete checkpoint of that round
     * already there can only be one skipped as corrupt on resume; it moves aside to
     * {@code round-NNNNNN.corrupt-<time>}, so the two are never mixed and the damaged one stays
     * for inspection. Returns where it went, or null.
     */
    public Path moveAsideIfComplete(int round) throws IOException {
        Path dir = roundDir(round);
        if (!fs().exists(new Path(dir, MANIFEST))) {
            return null;
        }
        Path aside = new Path(root, dir.getName() + ".corrupt-" + System.currentTimeMillis());
        if (!fs().rename(dir, aside)) {
            throw new IOException("cannot move " + dir + " aside to " + aside);
        }
        return aside;
    }

    private FileSystem fs() throws IOException {
        return files.fileSystem(root);
    }
}
