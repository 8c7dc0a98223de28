package diloco.bench;

import static diloco.config.Options.BATCH_SIZE;
import static diloco.config.Options.INNER_LR;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.PRESET;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.THREADS_PER_WORKER;
import static diloco.config.Options.WARMUP_STEPS;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import diloco.config.ModelConfig;
import diloco.config.TrainConfig;
import diloco.data.Tokens;
import diloco.data.Shard;
import diloco.io.Json;
import diloco.model.Gpt;
import diloco.optim.AdamWState;
import diloco.worker.Engines;
import diloco.worker.InnerLoop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Inner-step throughput on this machine, against its measured matmul ceiling. Prints a table and
 * writes JSON. No Spark: this is the worker's compute alone, the part every round multiplies.
 *
 * <pre>
 *   java -cp spark-job/target/diloco-spark-job.jar:$(cat spark-job/target/spark-classpath.txt) \
 *       diloco.bench.Bench --presets tiny,small --threads 1,2 --batch-size 16 --steps 20 --out bench.json
 * </pre>
 */
public final class Bench {
    private Bench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        String[] threads = a.getOrDefault("--threads", "1," + Runtime.getRuntime().availableProcessors()).split(",");
        String out = a.getOrDefault("--out", "bench.json");
        List<Map<String, Object>> rows = new ArrayList<>();
        System.out.printf(Locale.ROOT, "%-8s %7s %6s %10s %12s %12s %14s %10s%n", "preset", "threads", "batch",
                "ms/step", "tokens/s", "GFLOP/s", "matmul GFLOP/s", "of ceiling");
        String pytorch = null;
        for (String t : threads) {
            // One JVM per thread count: PyTorch's thread pool is sized once per process, and
            // resizing it at run time measured slower than starting with that size.
            Path part = Files.createTempFile("diloco-bench", ".json");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=" + t.trim(),
                    "-cp", System.getProperty("java.class.path"), Bench.class.getName() + "$Child"));
            for (Map.Entry<String, String> e : a.entrySet()) {
                cmd.add(e.getKey());
                cmd.add(e.getKey().equals("--threads") ? t.trim() : e.getKey().equals("--out") ? part.toString() : e.getValue());
            }
            if (!a.containsKey("--out")) {
                cmd.addAll(List.of("--out", part.toString()));
            }
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("benchmark with " + t + " threads failed");
            }
            Map<String, Object> child = Json.parseObject(Files.readString(part));
            Files.delete(part);
            pytorch = (String) child.get("pytorch");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> childRows = (List<Map<String, Object>>) child.get("rows");
            rows.addAll(childRows);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("command", "diloco.bench.Bench " + String.join(" ", args));
        doc.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
                "os_arch", System.getProperty("os.arch"), "java", System.getProperty("java.version")));
        doc.put("pytorch", pytorch);
        doc.put("rows", rows);
        Files.writeString(Path.of(out), Json.pretty(doc));
        System.out.println("wrote " + out);
    }

    /** Measures every preset at one thread count, in this JVM. */
    public static final class Child {
        private Child() {}

        public static void main(String[] args) throws Exception {
            Map<String, String> a = parse(args);
            String[] presets = a.getOrDefault("--presets", "tiny,small").split(",");
            int threads = Integer.parseInt(a.get("--threads"));
            int batch = Integer.parseInt(a.getOrDefault("--batch-size", "16"));
            int steps = Integer.parseInt(a.getOrDefault("--steps", "20"));
            Engine engine = Engines.start(threads);
            double ceiling = matmulGflops(engine);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (String p : presets) {
                Map<String, Object> row = measure(engine, p.trim(), threads, batch, steps);
                row.put("matmul_gflops", ceiling);
                row.put("fraction_of_ceiling", (Double) row.get("gflops") / ceiling);
                rows.add(row);
                System.out.printf(Locale.ROOT, "%-8s %7d %6d %10.1f %12.0f %12.1f %14.1f %9.1f%%%n", p, threads, batch,
                        row.get("ms_per_step"), row.get("tokens_per_sec"), row.get("gflops"), ceiling,
                        100 * (Double) row.get("fraction_of_ceiling"));
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("pytorch", engine.getVersion());
            doc.put("rows", rows);
            Files.writeString(Path.of(a.get("--out")), Json.pretty(doc));
        }
    }

    /** Training FLOPs per token (nanoGPT's estimate): 6·N + 12·L·d·T, N without position embeddings. */
    static double flopsPerToken(ModelConfig m, int parameters) {
        long n = parameters - (long) m.context() * m.dModel();
        return 6.0 * n + 12.0 * m.layers() * m.dModel() * m.context();
    }

    private static Map<String, Object> measure(Engine engine, String preset, int threads, int batch, int steps)
            throws IOException {
        TrainConfig cfg = TrainConfig.builder().set(PRESET, preset).set(BATCH_SIZE, batch).set(INNER_STEPS, steps)
                .set(ROUNDS, 1).set(WARMUP_STEPS, 1).set(INNER_LR, 1e-3f).set(THREADS_PER_WORKER, threads).build();
        Gpt gpt = new Gpt(cfg.model());
        byte[] text = new byte[1 << 20];
        new SplittableRandom(1).nextBytes(text);
        Shard shard = new Shard(0, 1, Tokens.ofBytes(text));
        InnerLoop loop = new InnerLoop(cfg);
        try (NDManager m = engine.newBaseManager()) {
            NDList params = gpt.layout().toArrays(gpt.initialParameters(0), m);
            AdamWState state = AdamWState.fresh(gpt.layout(), m);
            loop.trainSteps(params, state, shard, 0, 3, m, engine, null); // warm-up
            long t0 = System.nanoTime();
            loop.trainSteps(params, state, shard, 3, steps, m, engine, null);
            double sec = (System.nanoTime() - t0) / 1e9;
            double tokens = (double) steps * batch * cfg.model().context();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("preset", preset);
            row.put("parameters", gpt.layout().size());
            row.put("threads", threads);
            row.put("batch_size", batch);
            row.put("context", cfg.model().context());
            row.put("steps", steps);
            row.put("ms_per_step", 1000 * sec / steps);
            row.put("tokens_per_sec", tokens / sec);
            row.put("gflops", tokens * flopsPerToken(cfg.model(), gpt.layout().size()) / sec / 1e9);
            return row;
        }
    }

    /** The machine's ceiling for this engine: a 1024×1024 fp32 matmul, best of several. */
    static double matmulGflops(Engine engine) {
        try (NDManager m = engine.newBaseManager()) {
            NDArray a = m.randomNormal(new Shape(1024, 1024));
            NDArray b = m.randomNormal(new Shape(1024, 1024));
            double best = 0;
            for (int i = 0; i < 12; i++) {
                long t0 = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    c.getFloat(0, 0);
                }
                best = Math.max(best, 2.0 * 1024 * 1024 * 1024 / ((System.nanoTime() - t0) / 1e9) / 1e9);
            }
            return best;
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            m.put(args[i], args[i + 1]);
        }
        return m;
    }
}
