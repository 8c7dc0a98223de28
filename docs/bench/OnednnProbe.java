package diloco.engine; // for the job's own JNI library (TorchSettings) and exactness check

import ai.djl.engine.Engine;

import diloco.bench.Bench;

import java.io.IOException;
import java.util.Locale;

/**
 * Which matmul kernels libtorch's CPU build can run (issue 18 §2): with its float32 matmul
 * precision at "highest" (the default: oneMKL's sgemm) or "medium" (ATen hands fp32 matmuls to
 * oneDNN on CPUs it deems bf16-capable), set through the job's own JNI library. For each: whether
 * matmuls stay exact fp32 (MatmulKernels.exactFp32, the worker's check), the 1024×1024 matmul
 * rate, and the worker's own inner step (InnerTrainer, batch 16, one thread; the fastest of 3
 * stretches of 10 steps) on each model given; each setting twice, then twice more with glibc keeping
 * freed memory in the process (as the worker does with oneDNN). Arguments: models as Bench names
 * them (small, L2-D96-H4-T64), after "fresh" or "fresh-kept" for oneDNN from the process's first
 * matmul on, with glibc's default or keeping freed memory, each model once. docs/bench/onednn-probe.sh
 * runs it.
 */
public class OnednnProbe {
    public static void main(String[] args) throws IOException {
        Engine engine = Engines.start(1);
        if (!TorchSettings.LOADED.isEmpty()) {
            throw new IllegalStateException(TorchSettings.LOADED);
        }
        int first = args[0].startsWith("fresh") ? 1 : 0;
        if (first == 1) { // oneDNN from a fresh process's first step, glibc's default or not
            boolean kept = args[0].equals("fresh-kept") && keepFreedMemory() == 1;
            matmulPrecision(2);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "fresh process, medium, glibc %s: "
                    + "1024x1024 %.1f GFLOP/s", kept ? "keeps freed memory" : "default",
                    Bench.matmulGflops(engine, Precision.FP32)));
            for (int i = first; i < args.length; i++) {
                line.append(String.format(Locale.ROOT, "; %s %.2f ms/step", args[i], msPerStep(engine, args[i])));
            }
            System.out.println(line);
            return;
        }
        System.out.println("DJL " + Engine.getDjlVersion() + ", PyTorch " + engine.getVersion()
                + ", float32 matmul precision at start: " + name(matmulPrecision(-1)));
        // then with glibc keeping freed memory (what the worker does with oneDNN): irreversible, so last
        for (int precision : new int[] {0, 2, 0, 2, -2, 2, 0, 2}) {
            if (precision == -2) {
                System.out.println("glibc keeps freed memory from here on: " + (keepFreedMemory() == 1));
                continue;
            }
            int now = matmulPrecision(precision);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-7s exact fp32: %s; 1024x1024 %.1f GFLOP/s",
                    name(now), MatmulKernels.exactFp32(engine), Bench.matmulGflops(engine, Precision.FP32)));
            for (int i = first; i < args.length; i++) {
                line.append(String.format(Locale.ROOT, "; %s %.2f ms/step", args[i], msPerStep(engine, args[i])));
            }
            System.out.println(line);
        }
    }

    static String name(int precision) {
        return precision == 0 ? "highest" : precision == 1 ? "high" : precision == 2 ? "medium" : "error " + precision;
    }

    static int matmulPrecision(int precision) {
        return TorchSettings.precision(precision);
    }

    /** What the worker does with oneDNN (MatmulKernels.MMAP_THRESHOLD, TRIM_THRESHOLD). */
    static int keepFreedMemory() {
        return TorchSettings.keepFreedMemory(MatmulKernels.MMAP_THRESHOLD, MatmulKernels.TRIM_THRESHOLD);
    }

    /** The worker's inner step on {@code model}, as Bench measures it (batch 16, one thread, stretches of 10 steps). */
    static double msPerStep(Engine engine, String model) throws IOException {
        return (Double) Bench.measure(engine, model, 1, 16, 10, Precision.FP32).get("ms_per_step");
    }
}
