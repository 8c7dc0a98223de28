package diloco.bench;

import static diloco.bench.BenchOptions.MATMUL_KERNELS;
import static diloco.bench.BenchOptions.MKL_FAST_PATHS;
import static diloco.bench.BenchOptions.MODELS;
import static diloco.bench.BenchOptions.OUT;
import static diloco.bench.BenchOptions.PRECISION;
import static diloco.bench.BenchOptions.RUNS;
import static diloco.bench.BenchOptions.STEPS;
import static diloco.bench.BenchOptions.THREADS;
import static diloco.bench.BenchOptions.TORCH;
import static diloco.config.Options.BATCH_SIZE;
import static diloco.config.Options.CONTEXT;
import static diloco.config.Options.D_MODEL;
import static diloco.config.Options.GRAD_CLIP;
import static diloco.config.Options.HEADS;
import static diloco.config.Options.INNER_BETA1;
import static diloco.config.Options.INNER_BETA2;
import static diloco.config.Options.INNER_EPS;
import static diloco.config.Options.INNER_LR;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.LAYERS;
import static diloco.config.Options.PRESET;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.THREADS_PER_WORKER;
import static diloco.config.Options.WARMUP_STEPS;
import static diloco.config.Options.WEIGHT_DECAY;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

import diloco.bench.BenchOptions.FastPaths;
import diloco.cli.Command;
import diloco.cli.CommandLine;
import diloco.config.Options;
import diloco.config.TrainConfig;
import diloco.data.BatchSampler;
import diloco.data.BatchSource;
import diloco.data.Shard;
import diloco.data.Tokens;
import diloco.engine.Engines;
import diloco.engine.MatmulKernels;
import diloco.engine.Precision;
import diloco.inner.InnerSettings;
import diloco.inner.InnerTrainer;
import diloco.inner.StepHooks;
import diloco.inner.StepPhases;
import diloco.io.BuildInfo;
import diloco.io.Json;
import diloco.model.FlatParameters;
import diloco.model.Gpt;
import diloco.model.ModelConfig;
import diloco.optim.AdamWState;
import diloco.option.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Inner-step throughput on this machine: against plain eager PyTorch training the same model
 * with the same hyperparameters ({@code torch_inner_step.py}, run by a Python that imports
 * torch), and against the machine's measured matmul ceiling; with the time of each phase of a
 * step on both sides. Each side counts its fastest of {@link #REPEATS} timed stretches in each of
 * {@code --runs} (default 2) fresh processes, interleaved; then counts, over {@link #OP_COUNT_STEPS}
 * more steps under PyTorch's profiler, the engine operations a step calls ({@link OpCounts}), on
 * both sides. Prints tables and writes JSON. No Spark: this is the worker's compute alone,
 * the part every round multiplies.
 *
 * <pre>
 *   java -cp spark-job/target/diloco-spark-job.jar:$(cat spark-job/target/spark-classpath.txt) \
 *       diloco.bench.Bench --models L2-D96-H4-T64,tiny,small --threads 1,2 --batch-size 16 --steps 30 --out bench.json
 * </pre>
 *
 * Its options ({@code --help}) are those of {@link BenchOptions}: the models (a preset or
 * {@code L<layers>-D<width>-H<heads>-T<context>}), thread counts, the Python of the PyTorch side,
 * and whether libtorch's MKL takes its fast paths.
 */
public final class Bench {
    /** Timed runs per measurement, on both sides; the fastest counts. */
    static final int REPEATS = 3;
    /** Steps profiled (untimed, after the timed ones) to count engine operations, on both sides. */
    static final int OP_COUNT_STEPS = 5;
    private static final Pattern CUSTOM = Pattern.compile("L(\\d+)-D(\\d+)-H(\\d+)-T(\\d+)");

    private Bench() {}

    public static void main(String[] args) {
        Command.exit(run(args, System.out, System.err));
    }

    static String help() {
        return CommandLine.help("Usage: diloco.bench.Bench [options]\n\n"
                + "Inner-step throughput on this machine: this job's inner step against plain eager PyTorch training\n"
                + "the same model (torch_inner_step.py, run by a Python that imports torch) and against the\n"
                + "machine's matmul ceiling, with the time of each phase of a step and the engine operations a step\n"
                + "calls. Prints tables and writes JSON. No Spark: a worker's compute alone.\n", BenchOptions.all());
    }

    /** Measures; returns the exit status (0, 2 bad input, 1 failure). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        return Command.run(args, help(), out, err, false, sessions -> {
            measure(CommandLine.parse(BenchOptions.all(), args), args, out);
            return 0;
        });
    }

    private static void measure(CommandLine.Values a, String[] args, PrintStream out) throws Exception {
        List<String> models = a.get(MODELS);
        int batch = a.get(BenchOptions.BATCH_SIZE);
        int steps = a.get(STEPS);
        String python = findPython(a.get(TORCH), out);
        List<Boolean> fastPaths = fastPathSettings(a.get(MKL_FAST_PATHS));
        // key → the fastest measurement of it; the runs interleave both sides, so a slow spell of a
        // shared machine hits them alike
        Map<String, Map<String, Object>> ours = new LinkedHashMap<>();
        Map<String, Map<String, Object>> eager = new LinkedHashMap<>();
        String engineVersion = null;
        String torchVersion = null;
        for (int run = 0; run < a.get(RUNS); run++) {
            for (int n : a.get(THREADS)) {
                for (boolean fast : fastPaths) {
                    for (MatmulKernels kernels : a.get(MATMUL_KERNELS)) {
                        Map<String, Object> child = runChild(a, n, fast, kernels);
                        engineVersion = (String) child.get("pytorch");
                        @SuppressWarnings("unchecked")
                        List<Map<String, Object>> childRows = (List<Map<String, Object>>) child.get("rows");
                        for (Map<String, Object> row : childRows) {
                            keepFastest(ours, row.get("model") + "@" + n + "@" + fast + "@" + kernels + "@"
                                    + row.get("precision"), row);
                        }
                    }
                }
                if (python != null) {
                    for (String model : models) {
                        Map<String, Object> e = runTorch(python, config(model, n, batch, steps), n, batch, steps);
                        torchVersion = (String) e.get("torch");
                        keepFastest(eager, model + "@" + n, e);
                    }
                }
            }
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> row : ours.values()) {
            Map<String, Object> e = eager.get(row.get("model") + "@" + row.get("threads"));
            if (e != null) {
                row.put("torch_tokens_per_sec", e.get("tokens_per_sec"));
                row.put("torch_ms_per_step", e.get("ms_per_step"));
                row.put("torch_cores_used", e.get("cores_used"));
                row.put("torch_phases_ms", e.get("phases"));
                row.put("torch_ops_per_step", e.get("ops_per_step"));
                row.put("torch_self_ms_per_step", e.get("self_ms_per_step"));
                row.put("vs_torch", ((Number) row.get("tokens_per_sec")).doubleValue()
                        / ((Number) e.get("tokens_per_sec")).doubleValue());
            }
            rows.add(row);
        }
        printTables(rows, python != null, out);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("command", "diloco.bench.Bench " + String.join(" ", args));
        doc.put("date", java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString());
        doc.put("machine", BuildInfo.machine());
        doc.put("pytorch_djl", engineVersion);
        doc.put("pytorch_eager", torchVersion);
        doc.put("rows", rows);
        Files.writeString(Path.of(a.get(OUT)), Json.pretty(doc));
        out.println("wrote " + a.get(OUT));
    }

    private static void keepFastest(Map<String, Map<String, Object>> best, String key, Map<String, Object> m) {
        Map<String, Object> old = best.get(key);
        if (old == null || ((Number) m.get("ms_per_step")).doubleValue() < ((Number) old.get("ms_per_step")).doubleValue()) {
            best.put(key, m);
        }
    }

    /** A row's matmul kernels, MKL setting and precision as the tables show them: onednn, mkl-fast or mkl; fp32 or bf16. */
    private static String kernels(Map<String, Object> row) {
        String kernels = MatmulKernels.ONEDNN_NAME.equals(row.get("matmul_kernels")) ? "onednn"
                : Boolean.TRUE.equals(row.get("mkl_fast_paths")) ? "mkl-fast" : "mkl";
        return kernels + " " + row.get("precision");
    }

    private static void printTables(List<Map<String, Object>> rows, boolean torch, PrintStream out) {
        out.printf(Locale.ROOT, "%nmachine: %s, %s (the ceiling column: its measured 1024x1024 matmul in the row's "
                + "precision)%n", BuildInfo.machineLine(), java.time.LocalDate.now(java.time.ZoneOffset.UTC));
        out.printf(Locale.ROOT, "%n%-16s %7s %13s %10s %12s %12s %9s %9s %10s %10s%n", "model", "threads",
                "matmuls", "vs PyTorch", "tokens/s", "PyTorch", "ms/step", "GFLOP/s", "ceiling", "of ceiling");
        for (Map<String, Object> r : rows) {
            out.printf(Locale.ROOT, "%-16s %7d %13s %10s %12.0f %12s %9.2f %9.1f %9.1f %9.1f%%%n", r.get("model"),
                    r.get("threads"), kernels(r), torch ? String.format(Locale.ROOT, "%.2fx", (Double) r.get("vs_torch")) : "-",
                    r.get("tokens_per_sec"), torch ? String.format(Locale.ROOT, "%.0f", r.get("torch_tokens_per_sec")) : "-",
                    r.get("ms_per_step"), r.get("gflops"), r.get("matmul_gflops"), 100 * (Double) r.get("fraction_of_ceiling"));
        }
        out.printf(Locale.ROOT, "%nms per step by phase, and the cores each side kept busy (CPU seconds per second; "
                + "this job | PyTorch eager)%n");
        for (Map<String, Object> r : rows) {
            @SuppressWarnings("unchecked")
            Map<String, Double> ours = (Map<String, Double>) r.get("phases_ms");
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-16s %2d thr %-13s |", r.get("model"),
                    r.get("threads"), kernels(r)));
            line.append(String.format(Locale.ROOT, " cores %.2f", (Double) r.get("cores_used")));
            ours.forEach((k, v) -> line.append(String.format(Locale.ROOT, " %s %.2f", k, v)));
            if (torch) {
                @SuppressWarnings("unchecked")
                Map<String, Number> eager = (Map<String, Number>) r.get("torch_phases_ms");
                line.append(String.format(Locale.ROOT, " | cores %.2f",
                        ((Number) r.get("torch_cores_used")).doubleValue()));
                eager.forEach((k, v) -> line.append(String.format(Locale.ROOT, " %s %.2f", k, v.doubleValue())));
            }
            out.println(line);
        }
        out.printf(Locale.ROOT, "%nATen operations per step: this job, all (called from Java) | PyTorch eager, all%n");
        for (Map<String, Object> r : rows) {
            @SuppressWarnings("unchecked")
            Map<String, Number> ours = (Map<String, Number>) r.get("ops_per_step");
            @SuppressWarnings("unchecked")
            Map<String, Number> eager = (Map<String, Number>) r.get("torch_ops_per_step");
            out.printf(Locale.ROOT, "%-16s %2d thr %-13s | %6.0f (%5.0f) | %s%n", r.get("model"), r.get("threads"),
                    kernels(r), ours.get("aten").doubleValue(),
                    ours.get("host").doubleValue(), eager == null ? "-" : String.format(Locale.ROOT, "%6.0f",
                            eager.get("aten").doubleValue()));
        }
        out.printf(Locale.ROOT, "%nSelf time by operation, ms per step under the profiler: this job's %d longest "
                + "(PyTorch eager's for the same name)%n", SELF_TIME_ROWS);
        for (Map<String, Object> r : rows) {
            @SuppressWarnings("unchecked")
            Map<String, Number> ours = (Map<String, Number>) r.get("self_ms_per_step");
            @SuppressWarnings("unchecked")
            Map<String, Number> eager = (Map<String, Number>) r.get("torch_self_ms_per_step");
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-16s %2d thr %-13s |", r.get("model"),
                    r.get("threads"), kernels(r)));
            ours.entrySet().stream().limit(SELF_TIME_ROWS).forEach(o -> {
                line.append(String.format(Locale.ROOT, " %s %.2f", o.getKey().replace("aten::", ""),
                        o.getValue().doubleValue()));
                Number e = eager == null ? null : eager.get(o.getKey());
                if (e != null) {
                    line.append(String.format(Locale.ROOT, " (%.2f)", e.doubleValue()));
                }
                line.append(';');
            });
            out.println(line);
        }
    }

    /**
     * One JVM per thread count (PyTorch sizes its thread pool once per process), MKL setting (the
     * fast-paths library is preloaded at process start, or not) and matmul kernels.
     */
    private static Map<String, Object> runChild(CommandLine.Values a, int threads, boolean fastPaths,
            MatmulKernels kernels) throws Exception {
        Path part = Files.createTempFile("diloco-bench", ".json");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=" + threads,
                "-cp", System.getProperty("java.class.path"), Bench.class.getName() + "$Child"));
        cmd.addAll(MODELS.args(a.get(MODELS)));
        cmd.addAll(BenchOptions.BATCH_SIZE.args(a.get(BenchOptions.BATCH_SIZE)));
        cmd.addAll(STEPS.args(a.get(STEPS)));
        cmd.addAll(THREADS.args(List.of(threads)));
        cmd.addAll(MATMUL_KERNELS.args(List.of(kernels)));
        cmd.addAll(PRECISION.args(a.get(PRECISION)));
        cmd.addAll(OUT.args(part.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().remove("LD_PRELOAD");
        if (fastPaths) {
            pb.environment().put("LD_PRELOAD", fastPathsLibrary().toString());
        }
        Process p = pb.start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("benchmark with " + threads + " threads failed");
        }
        Map<String, Object> child = Json.parseObject(Files.readString(part));
        Files.delete(part);
        return child;
    }

    /** The same model and hyperparameters in plain eager PyTorch (the bundled script). */
    private static Map<String, Object> runTorch(String python, TrainConfig cfg, int threads, int batch, int steps)
            throws Exception {
        Path script = Files.createTempFile("torch_inner_step", ".py");
        try (InputStream in = Bench.class.getResourceAsStream("torch_inner_step.py")) {
            Files.write(script, in.readAllBytes());
        }
        ModelConfig m = cfg.model();
        List<String> cmd = List.of(python, script.toString(), "--threads", Integer.toString(threads),
                "--layers", Integer.toString(m.layers()), "--d-model", Integer.toString(m.dModel()),
                "--heads", Integer.toString(m.heads()), "--context", Integer.toString(m.context()),
                "--batch", Integer.toString(batch), "--steps", Integer.toString(steps), "--repeats", Integer.toString(REPEATS),
                "--count-ops", Integer.toString(OP_COUNT_STEPS),
                "--lr", Float.toString(cfg.get(INNER_LR)), "--beta1", Float.toString(cfg.get(INNER_BETA1)),
                "--beta2", Float.toString(cfg.get(INNER_BETA2)), "--eps", Float.toString(cfg.get(INNER_EPS)),
                "--weight-decay", Float.toString(cfg.get(WEIGHT_DECAY)), "--clip", Float.toString(cfg.get(GRAD_CLIP)));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
            // OpenMP and OpenBLAS threads that spin while waiting fight over the cores otherwise
            pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
            blasThreads(pb, threads);
            Process p = pb.start();
            String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("PyTorch benchmark failed: " + String.join(" ", cmd));
            }
            return Json.parseObject(stdout.substring(stdout.lastIndexOf('\n') + 1));
        } finally {
            Files.delete(script);
        }
    }

    /**
     * Holds a PyTorch process's BLAS to {@code threads}: torch.set_num_threads does not reach the
     * BLAS of a PyTorch built against a system OpenBLAS (Debian's), whose matmuls otherwise take
     * every core while the side counts as one thread ("cores_used" in the output shows it).
     */
    static void blasThreads(ProcessBuilder pb, int threads) {
        for (String v : List.of("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")) {
            pb.environment().put(v, Integer.toString(threads));
        }
    }

    /** The library of src/main/native/mkl_fast_paths.c, built next to the application jar. */
    static Path fastPathsLibrary() {
        try {
            Path jar = Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return jar.getParent().resolve("libdiloco_mkl_fast_paths.so");
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The MKL settings to measure: both (when the library was built) measures each. */
    static List<Boolean> fastPathSettings(FastPaths spec) {
        boolean built = Files.isRegularFile(fastPathsLibrary());
        switch (spec) {
            case OFF:
                return List.of(false);
            case ON:
                UserError.check(built, "%s on: %s was not built (it needs a C compiler at build time)",
                        MKL_FAST_PATHS.flag(), fastPathsLibrary());
                return List.of(true);
            default:
                return built ? List.of(false, true) : List.of(false);
        }
    }

    /** The Python that runs the PyTorch side, or null for none. */
    static String findPython(String spec, PrintStream out) throws InterruptedException {
        if (spec.equals("none")) {
            return null;
        }
        List<String> candidates = spec.equals("auto") ? List.of("python3", "/usr/bin/python3") : List.of(spec);
        for (String c : candidates) {
            try {
                Process p = new ProcessBuilder(c, "-c", "import torch").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return c;
                }
            } catch (IOException notThere) {
                // try the next
            }
        }
        if (spec.equals("auto")) {
            out.println("PyTorch side skipped: no python3 here imports torch (Debian: apt-get install python3-torch libopenblas0-pthread)");
            return null;
        }
        throw new UserError(TORCH.flag() + " " + spec + " cannot import torch");
    }

    /** The job's configuration for benchmarking {@code model} (a preset or L-D-H-T). */
    static TrainConfig config(String model, int threads, int batch, int steps) {
        TrainConfig.Builder b = TrainConfig.builder().set(BATCH_SIZE, batch).set(INNER_STEPS, steps).set(ROUNDS, 1)
                .set(WARMUP_STEPS, 1).set(INNER_LR, 1e-3f).set(THREADS_PER_WORKER, threads);
        Matcher m = CUSTOM.matcher(model);
        if (m.matches()) {
            b.set(PRESET, "tiny").set(LAYERS, Integer.parseInt(m.group(1))).set(D_MODEL, Integer.parseInt(m.group(2)))
                    .set(HEADS, Integer.parseInt(m.group(3))).set(CONTEXT, Integer.parseInt(m.group(4)));
        } else {
            b.set(PRESET, model);
        }
        return b.build();
    }

    /** Measures every model at one thread count, in this JVM; {@link Bench} starts one per thread count. */
    public static final class Child {
        private Child() {}

        public static void main(String[] args) {
            String help = CommandLine.help("Usage: diloco.bench.Bench$Child --threads N --out FILE [options]\n\n"
                    + "One of Bench's measuring processes: every model at one thread count and kernel setting.\n",
                    BenchOptions.child());
            Command.exit(Command.run(args, help, System.out, System.err, false, sessions -> {
                measure(CommandLine.parse(BenchOptions.child(), args));
                return 0;
            }));
        }

        private static void measure(CommandLine.Values a) throws IOException {
            UserError.check(a.get(THREADS).size() == 1, "%s: one thread count per process, got %s", THREADS.flag(),
                    THREADS.type().text(a.get(THREADS)));
            UserError.check(a.get(MATMUL_KERNELS).size() == 1, "%s: one setting per process, got %s",
                    MATMUL_KERNELS.flag(), MATMUL_KERNELS.type().text(a.get(MATMUL_KERNELS)));
            int threads = a.get(THREADS).get(0);
            int batch = a.get(BenchOptions.BATCH_SIZE);
            int steps = a.get(STEPS);
            Engine engine = Engines.start(threads, a.get(MATMUL_KERNELS).get(0));
            Map<Precision, Double> ceilings = new EnumMap<>(Precision.class);
            for (Precision precision : a.get(PRECISION)) {
                ceilings.put(precision, matmulGflops(engine, precision));
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            for (String model : a.get(MODELS)) {
                for (Precision precision : a.get(PRECISION)) {
                    Map<String, Object> row = Bench.measure(engine, model, threads, batch, steps, precision);
                    row.put("matmul_gflops", ceilings.get(precision));
                    row.put("fraction_of_ceiling", (Double) row.get("gflops") / ceilings.get(precision));
                    rows.add(row);
                    System.out.printf(Locale.ROOT, "measured %s %s at %d thread(s): %.2f ms/step%n", model,
                            name(precision), threads, row.get("ms_per_step"));
                }
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("pytorch", engine.getVersion());
            doc.put("rows", rows);
            Files.writeString(Path.of(a.get(OUT)), Json.pretty(doc));
        }
    }

    /** CPU time of this process so far, all threads (the JVM's own included). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** A precision as the options and the JSON spell it (fp32, bf16). */
    static String name(Precision precision) {
        return Options.PRECISION.type().text(precision);
    }

    /** Operations shown per row in the self-time table. */
    private static final int SELF_TIME_ROWS = 8;

    /** Training FLOPs per token (nanoGPT's estimate): 6·N + 12·L·d·T, N without position embeddings. */
    static double flopsPerToken(ModelConfig m, int parameters) {
        long n = parameters - (long) m.context() * m.dModel();
        return 6.0 * n + 12.0 * m.layers() * m.dModel() * m.context();
    }

    /**
     * One model's row: the worker's inner loop (3 warm-up steps, then the fastest of {@link #REPEATS}
     * stretches of {@code steps} steps, with its phases) and its engine operations over {@link #OP_COUNT_STEPS}
     * more steps; "ms_per_step" is the step time. Public for docs/bench/OnednnProbe.java.
     */
    public static Map<String, Object> measure(Engine engine, String model, int threads, int batch, int steps,
            Precision precision) throws IOException {
        TrainConfig cfg = config(model, threads, batch, steps).with(Options.PRECISION, precision);
        Gpt gpt = new Gpt(cfg.model());
        byte[] text = new byte[1 << 20];
        new SplittableRandom(1).nextBytes(text);
        InnerSettings inner = cfg.inner();
        BatchSource batches = BatchSampler.of(new Shard(0, 1, Tokens.ofBytes(text)), inner.seed(), batch,
                cfg.model().context());
        InnerTrainer trainer = new InnerTrainer(cfg.model(), inner); // the worker task's own loop
        try (NDManager m = engine.newBaseManager()) {
            FlatParameters params = FlatParameters.of(gpt.layout(), gpt.initialParameters(0), m);
            AdamWState state = AdamWState.fresh(gpt.layout(), m);
            trainer.train(params, state, batches, 0, 3, StepHooks.NONE); // warm-up
            // the best of REPEATS runs of `steps` steps: the machine is shared, noise only slows down
            double sec = Double.MAX_VALUE;
            StepPhases phases = null;
            double coresUsed = 0;
            for (int r = 0; r < REPEATS; r++) {
                StepPhases run = new StepPhases();
                long cpu0 = processCpuNanos();
                long t0 = System.nanoTime();
                trainer.train(params, state, batches, 3 + (long) r * steps, steps, run);
                double runSec = (System.nanoTime() - t0) / 1e9;
                if (runSec < sec) {
                    sec = runSec;
                    phases = run;
                    coresUsed = (processCpuNanos() - cpu0) / 1e9 / runSec;
                }
            }
            Path trace = Files.createTempFile("diloco-ops", ".json");
            JniUtils.startProfile(false, false, false);
            trainer.train(params, state, batches, 3 + (long) REPEATS * steps, OP_COUNT_STEPS, StepHooks.NONE);
            JniUtils.stopProfile(trace.toString());
            OpCounts ops = OpCounts.of(trace);
            Files.delete(trace);
            double tokens = (double) steps * batch * cfg.model().context();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", model);
            row.put("layers", cfg.model().layers());
            row.put("d_model", cfg.model().dModel());
            row.put("heads", cfg.model().heads());
            row.put("context", cfg.model().context());
            row.put("parameters", gpt.layout().size());
            row.put("threads", threads);
            row.put("mkl_fast_paths", BuildInfo.mklFastPaths());
            row.put("matmul_kernels", Engines.matmulKernels());
            row.put("precision", name(precision));
            row.put("batch_size", batch);
            row.put("steps", steps);
            row.put("ms_per_step", 1000 * sec / steps);
            row.put("tokens_per_sec", tokens / sec);
            row.put("gflops", tokens * flopsPerToken(cfg.model(), gpt.layout().size()) / sec / 1e9);
            row.put("cores_used", coresUsed);
            row.put("phases_ms", phases.msPerStep());
            row.put("ops_per_step", ops.perStep(OP_COUNT_STEPS));
            row.put("self_ms_per_step", ops.selfMsPerStep(OP_COUNT_STEPS));
            return row;
        }
    }

    /**
     * The machine's ceiling for this engine: a 1024×1024 matmul, best of several, in fp32 or (bf16) under
     * the worker's autocast, as the inner step's products run.
     */
    public static double matmulGflops(Engine engine, Precision precision) {
        try (NDManager m = engine.newBaseManager()) {
            NDArray a = m.randomNormal(new Shape(1024, 1024));
            NDArray b = m.randomNormal(new Shape(1024, 1024));
            double best = 0;
            for (int i = 0; i < 12; i++) {
                long t0 = System.nanoTime();
                try (Precision.Region r = precision.forward(a.getDevice()); NDArray c = a.matMul(b)) {
                    Gpt.fp32(c).getFloat(0, 0); // DJL reads fp32 only; a no-op in fp32
                }
                best = Math.max(best, 2.0 * 1024 * 1024 * 1024 / ((System.nanoTime() - t0) / 1e9) / 1e9);
            }
            return best;
        }
    }
}
