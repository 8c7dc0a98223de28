package diloco.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import diloco.model.Gpt;
import diloco.model.HostArrays;
import diloco.model.ModelConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;

/**
 * A trained model used, not trained: the log-likelihood of token windows and documents (validation,
 * {@code DiLoCoModel.transform}, {@code evaluate}) and sampling text ({@code generate}). Runs on this
 * JVM's compute thread, like training, with no autograd graph.
 */
public final class Inference implements AutoCloseable {
    private final Gpt model;
    private final NDManager manager;
    private final NDList params;
    private final int batch;

    /** θ loaded into {@code manager}'s arrays, scored {@code batch} windows at a time (at least one). */
    private Inference(Gpt model, float[] theta, NDManager manager, int batch) {
        this.model = model;
        this.params = model.layout().toArrays(theta, manager);
        this.manager = manager;
        this.batch = Math.max(1, batch);
    }

    /** Work done with a model θ of shape {@code cfg} on {@code device} ({@code --device} syntax). */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Inference inference) throws Exception;
    }

    /**
     * Runs {@code work} on this JVM's compute thread with θ loaded on {@code compute}'s device
     * ({@code gpu}: the GPU Spark gave the task, or null), with its threads (≥ 1); windows are scored
     * {@code batch} at a time.
     */
    public static <T> T with(ModelConfig cfg, float[] theta, ComputeSettings compute, Integer gpu, int batch,
            Work<T> work) throws Exception {
        return Engines.exclusive(() -> {
            Engine engine = Engines.start(compute.threads(), compute.matmulKernels());
            Device d = Engines.device(engine, compute.device(), gpu);
            Gpt gpt = new Gpt(cfg);
            try (NDManager m = engine.newBaseManager(d);
                    Inference inference = new Inference(gpt, theta, m, batch)) {
                return work.apply(inference);
            }
        });
    }

    /** Scores one item of a partition (a row, a document). */
    @FunctionalInterface
    public interface Scoring<T, R> {
        R apply(Inference inference, T item);
    }

    /**
     * Scores a partition's items in chunks: each chunk is read on the task's own thread (Spark's
     * iterators rely on it), then scored on the compute thread with θ loaded once per chunk.
     */
    public static <T, R> List<R> chunked(java.util.Iterator<T> items, int chunk, ModelConfig cfg, float[] theta,
            ComputeSettings compute, Integer gpu, int batch, Scoring<T, R> scoring) throws Exception {
        List<R> out = new ArrayList<>();
        while (items.hasNext()) {
            List<T> part = new ArrayList<>(chunk);
            while (items.hasNext() && part.size() < chunk) {
                part.add(items.next());
            }
            out.addAll(with(cfg, theta, compute, gpu, batch, inference -> {
                List<R> done = new ArrayList<>(part.size());
                for (T item : part) {
                    done.add(scoring.apply(inference, item));
                }
                return done;
            }));
        }
        return out;
    }

    @Override
    public void close() {
        params.close();
    }

    /** {Σ nll (nats), predicted tokens} over windows of equal length T+1 (T ≤ context), each predicting T tokens. */
    public double[] windows(List<int[]> windows) {
        double sum = 0;
        long count = 0;
        for (int from = 0; from < windows.size(); from += batch) {
            List<int[]> part = windows.subList(from, Math.min(windows.size(), from + batch));
            sum += nllSum(part);
            count += (long) part.size() * (part.get(0).length - 1);
        }
        return new double[] {sum, count};
    }

    /**
     * {Σ nll (nats), predicted tokens} of one document's tokens: every token after the first
     * predicted once, from the tokens before it in its window of the context (windows do not
     * overlap). {0, 0} for a document shorter than two tokens.
     */
    public double[] document(int[] doc) {
        int t = model.config().context();
        List<int[]> full = new ArrayList<>();
        double[] last = {0, 0};
        for (int start = 0; start < doc.length - 1; start += t) {
            int len = Math.min(t, doc.length - 1 - start);
            int[] w = Arrays.copyOfRange(doc, start, start + len + 1);
            if (len == t) {
                full.add(w);
            } else {
                last = new double[] {nllSum(List.of(w)), len};
            }
        }
        double[] sum = full.isEmpty() ? new double[] {0, 0} : windows(full);
        return new double[] {sum[0] + last[0], sum[1] + last[1]};
    }

    private double nllSum(List<int[]> windows) {
        int n = windows.size();
        int t = windows.get(0).length - 1;
        long[] x = new long[n * t];
        long[] y = new long[n * t];
        for (int i = 0; i < n; i++) {
            int[] w = windows.get(i);
            for (int j = 0; j < t; j++) {
                x[i * t + j] = w[j];
                y[i * t + j] = w[j + 1];
            }
        }
        try (NDManager step = manager.newSubManager()) {
            step.tempAttachAll(params);
            Shape shape = new Shape(n, t);
            return model.tokenNll(params, HostArrays.of(step, x, shape), HostArrays.of(step, y, shape), false).sum()
                    .toType(DataType.FLOAT64, false).getDouble();
        }
    }

    /**
     * Samples tokens after {@code prompt} until they spell {@code maxBytes} bytes ({@code bytesOf}
     * gives a token's length), each from the model's next-token distribution given the last
     * context-length tokens: at {@code temperature} (0 = always the most likely token), from the
     * {@code topK} most likely only (0 = all). An empty prompt starts from {@code start} (a newline).
     * Deterministic for a seed. Returns the new tokens.
     */
    public int[] generate(int[] prompt, int start, int maxBytes, IntUnaryOperator bytesOf, double temperature,
            int topK, long seed) {
        int t = model.config().context();
        int vocab = model.config().vocabSize();
        SplittableRandom rng = new SplittableRandom(seed);
        int[] text = Arrays.copyOf(prompt, prompt.length + maxBytes); // a token spells at least one byte
        int length = prompt.length;
        for (int spelled = 0; spelled < maxBytes; ) {
            int from = Math.max(0, length - t);
            int n = Math.max(1, length - from);
            long[] x = new long[n];
            for (int j = 0; j < n; j++) {
                x[j] = length == 0 ? start : text[from + j];
            }
            float[] logits;
            try (NDManager step = manager.newSubManager()) {
                step.tempAttachAll(params);
                NDArray all = model.logits(params, HostArrays.of(step, x, new Shape(1, n)), false);
                logits = all.get(0).get(n - 1).toFloatArray();
            }
            int token = sample(logits, vocab, temperature, topK, rng);
            text[length++] = token;
            spelled += Math.max(1, bytesOf.applyAsInt(token));
        }
        return Arrays.copyOfRange(text, prompt.length, length);
    }

    /** A token drawn from softmax(logits / temperature) over the top k (or the argmax at temperature 0). */
    static int sample(float[] logits, int vocab, double temperature, int topK, SplittableRandom rng) {
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a])); // stable: ties keep the lower token first
        if (temperature == 0) {
            return order[0];
        }
        int k = topK > 0 ? Math.min(topK, vocab) : vocab;
        double max = logits[order[0]];
        double[] weights = new double[k];
        double total = 0;
        for (int i = 0; i < k; i++) {
            weights[i] = Math.exp((logits[order[i]] - max) / temperature);
            total += weights[i];
        }
        double u = rng.nextDouble() * total;
        for (int i = 0; i < k; i++) {
            u -= weights[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[k - 1];
    }
}
