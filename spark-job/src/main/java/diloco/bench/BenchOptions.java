package diloco.bench;

import static diloco.option.Option.Check.atLeast;

import diloco.engine.MatmulKernels;
import diloco.engine.Precision;
import diloco.option.Option;
import diloco.option.Option.Type;
import diloco.option.UserError;

import java.util.List;

/** The options of {@link Bench}, in --help order, and the part of them each measuring process takes. */
public final class BenchOptions {
    private static final String SECTION = "Options";

    private BenchOptions() {}

    /** Where libtorch's MKL may take its fast paths (the library of src/main/native/mkl_fast_paths.c). */
    public enum FastPaths {
        /** Each setting, when the library was built; else without it. */
        BOTH,
        /** With the library only (an error when it was not built). */
        ON,
        /** Without it. */
        OFF
    }

    public static final Option<List<String>> MODELS = Option.list("models", Type.STRING).placeholder("LIST")
            .byDefault(List.of("tiny", "small")).check((name, models) -> models.forEach(m -> checkModel(name, m)))
            .section(SECTION).doc("models to measure, comma-separated: a preset (tiny, small, 60m, 150m, 400m) or "
                    + "L<layers>-D<width>-H<heads>-T<context>");
    public static final Option<List<Integer>> THREADS = Option.list("threads", Type.INT).placeholder("LIST")
            .byDefault(List.of(1, Runtime.getRuntime().availableProcessors())).defaultShownAs("1,CORES")
            .check((name, threads) -> threads.forEach(n -> atLeast(1).check(name, n))).section(SECTION)
            .doc("PyTorch intra-op thread counts, comma-separated; each is measured in a JVM of its own");
    public static final Option<Integer> BATCH_SIZE = Option.integer("batchSize").placeholder("N").byDefault(16)
            .check(atLeast(1)).section(SECTION).doc("sequences per inner step");
    public static final Option<Integer> STEPS = Option.integer("steps").placeholder("N").byDefault(20)
            .check(atLeast(1)).section(SECTION)
            .doc("inner steps per timed stretch (the fastest of " + Bench.REPEATS + " stretches counts)");
    public static final Option<Integer> RUNS = Option.integer("runs").placeholder("N").byDefault(2).check(atLeast(1))
            .section(SECTION).doc("fresh processes per measurement, both sides interleaved; the fastest counts");
    public static final Option<String> TORCH = Option.text("torch").placeholder("auto|none|PYTHON").byDefault("auto")
            .section(SECTION).doc("the Python that runs the PyTorch side; auto: the first of python3 on the PATH and "
                    + "/usr/bin/python3 that imports torch; none: skip the PyTorch side");
    public static final Option<FastPaths> MKL_FAST_PATHS = Option.choice("mklFastPaths", FastPaths.class)
            .byDefault(FastPaths.BOTH).section(SECTION)
            .doc("measure this job with and/or without the library that lets libtorch's MKL use its fastest kernels on "
                    + "non-Intel CPUs (both: when it was built)");
    public static final Option<List<MatmulKernels>> MATMUL_KERNELS = Option.list("matmulKernels",
            Type.enumOf(MatmulKernels.class)).placeholder("LIST").byDefault(List.of(MatmulKernels.AUTO)).section(SECTION)
            .doc("the job's --matmul-kernels settings to measure, comma-separated (auto, onednn, onemkl); each in processes "
                    + "of its own");
    public static final Option<List<Precision>> PRECISION = Option.list("precision", Type.enumOf(Precision.class))
            .placeholder("LIST").byDefault(List.of(Precision.FP32)).section(SECTION)
            .doc("the job's --precision settings to measure, comma-separated (fp32, bf16); the PyTorch side stays fp32");
    public static final Option<String> OUT = Option.text("out").placeholder("FILE").byDefault("bench.json")
            .section(SECTION).doc("the JSON file to write");

    /** Every option of {@link Bench}, in --help order. */
    public static List<Option<?>> all() {
        return List.of(MODELS, THREADS, BATCH_SIZE, STEPS, RUNS, TORCH, MKL_FAST_PATHS, MATMUL_KERNELS, PRECISION, OUT);
    }

    /**
     * The options of one measuring process ({@link Bench.Child}): one thread count and kernel setting,
     * every precision, its own output file.
     */
    static List<Option<?>> child() {
        return List.of(MODELS, THREADS, BATCH_SIZE, STEPS, MATMUL_KERNELS, PRECISION, OUT);
    }

    /** A model is a preset or L-D-H-T whose shape the job accepts; the error names the option given. */
    private static void checkModel(String name, String model) {
        try {
            Bench.config(model, 1, 1, 1);
        } catch (UserError e) {
            throw new UserError(name + " " + model + ": " + e.getMessage());
        }
    }
}
