package diloco.bench;

import static diloco.bench.BenchOptions.PRECISION;
import static diloco.bench.BenchOptions.TORCH;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

import diloco.cli.Command;
import diloco.cli.CommandLine;
import diloco.config.Options;
import diloco.config.TrainConfig;
import diloco.data.BatchSampler;
import diloco.data.BatchSource;
import diloco.data.Shard;
import diloco.data.Tokens;
import diloco.engine.Precision;
import diloco.inner.InnerTrainer;
import diloco.inner.StepHooks;
import diloco.io.BuildInfo;
import diloco.io.Json;
import diloco.model.FlatParameters;
import diloco.model.Gpt;
import diloco.model.ModelConfig;
import diloco.model.StepMemory;
import diloco.optim.AdamWState;
import diloco.option.Option;
import diloco.option.Option.Type;
import diloco.option.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * How much native memory a training step takes, measured, against {@link StepMemory}'s estimate
 * that the job's sizing check uses: this job's inner step (DJL) and the same model in eager PyTorch
 * ({@code torch_step_memory.py}), each in a fresh process. After two warm-up steps the resident set
 * is read, the kernel's high-water mark reset to it ({@code /proc/self/clear_refs}), one more step
 * taken and the high-water mark read; the difference is what the step needed above what the process
 * holds between steps. malloc's mmap threshold is fixed ({@code MALLOC_MMAP_THRESHOLD_}) so freed
 * arrays leave the resident set. Linux only. Prints a table, writes JSON.
 */
public final class MemoryBench {
    static final String MMAP_THRESHOLD = "131072";
    private static final String SECTION = "Options";
    static final Option<List<String>> CASES = Option.list("cases", Type.STRING).placeholder("LIST")
            .byDefault(List.of("small:16", "L6-D384-H6-T256:8", "60m:2")).section(SECTION)
            .check((name, cases) -> cases.forEach(c -> parseCase(name, c)))
            .doc("MODEL:BATCH pairs, comma-separated: a preset or L<layers>-D<width>-H<heads>-T<context>, and the "
                    + "sequences per step");
    static final Option<String> OUT = Option.text("out").placeholder("FILE").byDefault("step-memory.json")
            .section(SECTION).doc("the JSON file to write");

    private MemoryBench() {}

    public static void main(String[] args) {
        Command.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String help = CommandLine.help("Usage: diloco.bench.MemoryBench [options]\n\n"
                + "Native memory of one training step, measured in this job's worker (DJL) and in eager PyTorch,\n"
                + "against the estimate the job's sizing check uses (diloco.model.StepMemory). One thread.\n",
                List.of(CASES, TORCH, PRECISION, OUT));
        return Command.run(args, help, out, err, false, sessions -> {
            CommandLine.Values a = CommandLine.parse(List.of(CASES, TORCH, PRECISION, OUT), args);
            measure(a.get(CASES), a.get(PRECISION), Bench.findPython(a.get(TORCH), out), Path.of(a.get(OUT)), out);
            return 0;
        });
    }

    private static void measure(List<String> cases, List<Precision> precisions, String python, Path outFile,
            PrintStream out) throws Exception {
        out.println("Machine: " + BuildInfo.machineLine() + "; " + LocalDate.now()
                + " (ceiling: each child's 1024x1024 fp32 matmul, GFLOP/s)");
        out.printf(Locale.ROOT, "%-18s %5s %12s %9s | %10s %10s %7s | %10s %7s | %7s%n", "model", "batch",
                "parameters", "precision", "estimate", "this job", "est/job", "PyTorch", "est/pt", "ceiling");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String c : cases) {
            for (Precision precision : precisions) {
                rows.add(measure(c, precision, python, out));
            }
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("machine", BuildInfo.machine());
        doc.put("date", LocalDate.now().toString());
        doc.put("method", "VmHWM − VmRSS over one step after two warm-up steps, MALLOC_MMAP_THRESHOLD_=" + MMAP_THRESHOLD
                + ", one thread; estimate: diloco.model.StepMemory.step()");
        doc.put("rows", rows);
        Files.writeString(outFile, Json.pretty(doc) + "\n");
        out.println("wrote " + outFile);
    }

    /** One case in one precision: the estimate, this job's step measured in a fresh process, PyTorch's (fp32). */
    private static Map<String, Object> measure(String c, Precision precision, String python, PrintStream out)
            throws Exception {
        String[] mb = c.split(":");
        int batch = Integer.parseInt(mb[1]);
        ModelConfig m = Bench.config(mb[0], 1, batch, 1).model();
        int parameters = new Gpt(m).layout().size();
        StepMemory estimate = StepMemory.of(m, batch, parameters);
        Map<String, Object> ours = child(c, precision);
        // the PyTorch side runs fp32: the bf16 row's comparison is the fp32 row's
        Map<String, Object> eager = python == null || precision != Precision.FP32 ? null : torch(python, m, batch);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", mb[0]);
        row.put("batch_size", batch);
        row.put("precision", Bench.name(precision));
        row.put("config", m.toMap());
        row.put("parameters", parameters);
        row.put("estimate_step_bytes", estimate.step());
        row.put("estimate_activations_bytes", estimate.activations());
        row.put("estimate_backward_bytes", estimate.backward());
        row.put("estimate_parameter_state_bytes", estimate.parameterState());
        row.put("this_job", ours);
        row.put("pytorch_eager", eager);
        long job = ((Number) ours.get("step_bytes")).longValue();
        Long pt = eager == null ? null : ((Number) eager.get("step_bytes")).longValue();
        out.printf(Locale.ROOT, "%-18s %5s %,12d %9s | %10s %10s %6.2fx | %10s %7s | %7.1f%n", mb[0], mb[1],
                parameters, row.get("precision"),
                StepMemory.size(estimate.step()), StepMemory.size(job), estimate.step() / (double) job,
                pt == null ? "-" : StepMemory.size(pt),
                pt == null ? "-" : String.format(Locale.ROOT, "%.2fx", estimate.step() / (double) pt),
                ((Number) ours.get("ceiling_gflops")).doubleValue());
        return row;
    }

    private static Map<String, Object> child(String c, Precision precision) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch",
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), c, precision.name());
        return lastJsonLine(cmd, "this job's " + Bench.name(precision) + " step with " + c);
    }

    private static Map<String, Object> torch(String python, ModelConfig m, int batch) throws Exception {
        Path dir = Files.createTempDirectory("diloco-memory");
        for (String script : List.of("torch_inner_step.py", "torch_step_memory.py")) {
            try (InputStream in = MemoryBench.class.getResourceAsStream(script)) {
                Files.write(dir.resolve(script), in.readAllBytes());
            }
        }
        try {
            return lastJsonLine(List.of(python, dir.resolve("torch_step_memory.py").toString(),
                    "--layers", Integer.toString(m.layers()), "--d-model", Integer.toString(m.dModel()),
                    "--heads", Integer.toString(m.heads()), "--context", Integer.toString(m.context()),
                    "--vocab", Integer.toString(m.vocabSize()), "--batch", Integer.toString(batch)), "PyTorch's step");
        } finally {
            for (String script : List.of("torch_inner_step.py", "torch_step_memory.py")) {
                Files.deleteIfExists(dir.resolve(script));
            }
            Files.deleteIfExists(dir);
        }
    }

    private static Map<String, Object> lastJsonLine(List<String> cmd, String what) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("MALLOC_MMAP_THRESHOLD_", MMAP_THRESHOLD);
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        Bench.blasThreads(pb, 1);
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // nothing left in the scripts' directory
        Process p = pb.start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(what + " failed: " + String.join(" ", cmd));
        }
        return Json.parseObject(stdout.substring(stdout.lastIndexOf('\n') + 1));
    }

    private static void parseCase(String name, String c) {
        String[] mb = c.split(":");
        UserError.check(mb.length == 2 && mb[1].matches("[1-9]\\d*"), "%s: '%s' is not MODEL:BATCH", name, c);
        try {
            Bench.config(mb[0], 1, 1, 1);
        } catch (UserError e) {
            throw new UserError(name + " " + c + ": " + e.getMessage());
        }
    }

    static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.split("\\s+")[1]) * 1024;
            }
        }
        throw new IllegalStateException(field + " not in /proc/self/status");
    }

    /**
     * One case (args: MODEL:BATCH, then FP32 or BF16) in this JVM: prints {"rss_before_step",
     * "peak_during_step", "step_bytes", "ceiling_gflops", "mkl_fast_paths"} as JSON; the ceiling is
     * measured after the step, so it does not touch the peak.
     */
    public static final class Child {
        private Child() {}

        public static void main(String[] args) throws IOException {
            String[] mb = args[0].split(":");
            int batch = Integer.parseInt(mb[1]);
            TrainConfig cfg = Bench.config(mb[0], 1, batch, 1).with(Options.PRECISION, Precision.valueOf(args[1]));
            Gpt gpt = new Gpt(cfg.model());
            byte[] text = new byte[1 << 20];
            new SplittableRandom(1).nextBytes(text);
            BatchSource batches = BatchSampler.of(new Shard(0, 1, Tokens.ofBytes(text)), cfg.inner().seed(), batch,
                    cfg.model().context());
            InnerTrainer trainer = new InnerTrainer(cfg.model(), cfg.inner()); // the worker task's own loop
            try (NDManager m = Engine.getInstance().newBaseManager()) {
                FlatParameters params = FlatParameters.of(gpt.layout(), gpt.initialParameters(0), m);
                AdamWState state = AdamWState.fresh(gpt.layout(), m);
                trainer.train(params, state, batches, 0, 2, StepHooks.NONE);
                long before = status("VmRSS");
                Files.writeString(Path.of("/proc/self/clear_refs"), "5");
                trainer.train(params, state, batches, 2, 1, StepHooks.NONE);
                long peak = status("VmHWM");
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("rss_before_step", before);
                r.put("peak_during_step", peak);
                r.put("step_bytes", peak - before);
                r.put("ceiling_gflops", Bench.matmulGflops(Engine.getInstance(), Precision.FP32));
                r.put("mkl_fast_paths", BuildInfo.mklFastPaths());
                System.out.println(Json.line(r));
            }
        }
    }
}
