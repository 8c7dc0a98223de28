package diloco;

import static diloco.config.Options.BATCH_SIZE;
import static diloco.config.Options.DATA;
import static diloco.config.Options.INNER_LR;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.OUT;
import static diloco.config.Options.PRESET;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.THREADS_PER_WORKER;
import static diloco.config.Options.VAL_FRACTION;
import static diloco.config.Options.VAL_WINDOWS;
import static diloco.config.Options.WARMUP_STEPS;
import static diloco.config.Options.WORKERS;

import diloco.config.TrainConfig;
import diloco.engine.Engines;
import diloco.io.FileEntry;
import diloco.io.SafeTensors;
import diloco.model.Gpt;
import diloco.model.ModelConfig;
import diloco.option.Option;

import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Shared fixtures: one local SparkSession for the suite, and a small real-text corpus on disk. */
public final class TestSupport {
    private static SparkSession spark;

    private TestSupport() {}

    /** A real local[2] SparkSession, shared by every test in the JVM. */
    public static synchronized SparkSession spark() {
        if (spark == null) {
            spark = SparkSession.builder()
                    .master("local[2]")
                    .appName("diloco-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .getOrCreate();
        }
        return spark;
    }

    /** Paragraphs of public-domain US founding texts (test resource), one per element. */
    public static List<String> paragraphs() throws IOException {
        try (InputStream in = TestSupport.class.getResourceAsStream("/public-domain-sample.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<String> out = new ArrayList<>();
            for (String p : text.split("\n\\s*\n")) {
                if (!p.isBlank()) {
                    out.add(p.strip() + "\n");
                }
            }
            return out;
        }
    }

    /** Writes each paragraph to its own file (doc-NN.txt) under {@code dir}; returns dir. */
    public static Path writeCorpus(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> ps = paragraphs();
        for (int i = 0; i < ps.size(); i++) {
            Files.writeString(dir.resolve(String.format("doc-%02d.txt", i)), ps.get(i));
        }
        return dir;
    }

    /** A tiny-model configuration over {@code data}, small enough for unit tests. */
    public static TrainConfig.Builder tinyConfig(Path data, Path out) {
        return TrainConfig.builder()
                .set(DATA, data.toString())
                .set(OUT, out.toString())
                .set(PRESET, "tiny")
                .set(WORKERS, 2)
                .set(INNER_STEPS, 5)
                .set(ROUNDS, 3)
                .set(BATCH_SIZE, 8)
                .set(INNER_LR, 3e-3f)
                .set(WARMUP_STEPS, 2)
                .set(VAL_FRACTION, 0.2)
                .set(VAL_WINDOWS, 16)
                .set(THREADS_PER_WORKER, 1);
    }

    /** n standard normal floats from a seeded stream. */
    public static float[] gaussians(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian();
        }
        return f;
    }

    /**
     * exp(mean next-byte NLL) of one window (T+1 bytes, T ≤ context) straight from the model's
     * token NLL: an independent reference for the scoring code.
     */
    public static double directPerplexity(ModelConfig cfg, float[] theta, byte[] window) throws Exception {
        Gpt gpt = new Gpt(cfg);
        int t = window.length - 1;
        long[] x = new long[t];
        long[] y = new long[t];
        for (int i = 0; i < t; i++) {
            x[i] = window[i] & 0xff;
            y[i] = window[i + 1] & 0xff;
        }
        return Engines.exclusive(() -> {
            ai.djl.engine.Engine engine = Engines.start(1);
            try (ai.djl.ndarray.NDManager m = engine.newBaseManager()) {
                ai.djl.ndarray.NDList p = gpt.layout().toArrays(theta, m);
                ai.djl.ndarray.types.Shape shape = new ai.djl.ndarray.types.Shape(1, t);
                return Math.exp(gpt.tokenNll(p, m.create(x, shape), m.create(y, shape), false).mean().getFloat());
            }
        });
    }

    /** Deletes a directory and everything in it. */
    public static void deleteTree(java.nio.file.Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(dir)) {
            for (java.nio.file.Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
    }

    /** Every value of a model.safetensors file, its tensors concatenated in file order (to compare two runs' θ). */
    public static float[] modelValues(byte[] safetensors) throws IOException {
        java.util.Collection<float[]> parts = SafeTensors.read(safetensors).tensors.values();
        float[] flat = new float[parts.stream().mapToInt(t -> t.length).sum()];
        int at = 0;
        for (float[] t : parts) {
            System.arraycopy(t, 0, flat, at, t.length);
            at += t.length;
        }
        return flat;
    }

    /** A worker pool for tests of the loop and the round: the test computes the rounds; nothing to cancel, save or close. */
    public abstract static class StubPool implements WorkerPool {
        @Override
        public void cancel(int round) {}

        @Override
        public List<FileEntry> saveStates(int[] lastActive, int checkpointRound, String dir) {
            return List.of();
        }

        /** A validation loss of 0 nats over 1 token. */
        @Override
        public double[] validate(float[] theta) {
            return new double[] {0, 1};
        }

        @Override
        public void close() {}
    }

    /** The heads ({@code --flag PLACEHOLDER}) of those {@code options} that {@code help} does not list. */
    public static List<String> unlisted(String help, List<Option<?>> options) {
        List<String> missing = new ArrayList<>();
        for (Option<?> o : options) {
            String head = "  " + o.flag() + (o.placeholder() == null ? "" : " " + o.placeholder()) + " ";
            if (!help.contains(head)) {
                missing.add(head);
            }
        }
        return missing;
    }
}
