import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import diloco.bench.Bench;
import diloco.engine.Engines;

import java.io.IOException;
import java.util.Locale;

/**
 * Which matmul kernels libtorch's CPU build can run (issue 18 §2): with its float32 matmul
 * precision at "highest" (the default: oneMKL's sgemm) or "medium" (ATen hands fp32 matmuls to
 * oneDNN on CPUs it deems bf16-capable). For each: whether a matmul and a batched matmul stay exact
 * fp32 (1 + 2⁻¹⁰ is not a bfloat16; 128 such products sum exactly in fp32), the 1024×1024 matmul
 * rate, and the worker's own inner step (InnerTrainer, batch 16, one thread; the fastest of 3
 * stretches of 10 steps) on each model given; each setting twice, then twice more with glibc keeping
 * freed memory in the process (as the worker does with oneDNN). Arguments: the JNI library, then models as
 * Bench names them (small, L2-D96-H4-T64). With "fresh" or "fresh-kept" after the library: oneDNN
 * from the process's first matmul on, with glibc's default or keeping freed memory, each model once. docs/bench/onednn-probe.sh runs it.
 */
public class OnednnProbe {
    static native int matmulPrecision(int precision);

    static native int keepFreedMemory();

    public static void main(String[] args) throws IOException {
        Engine engine = Engines.start(1);
        System.load(args[0]);
        if (args[1].startsWith("fresh")) { // oneDNN from a fresh process's first step, glibc's default or not
            boolean kept = args[1].equals("fresh-kept") && keepFreedMemory() == 1;
            matmulPrecision(2);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "fresh process, medium, glibc %s: "
                    + "1024x1024 %.1f GFLOP/s", kept ? "keeps freed memory" : "default", Bench.matmulGflops(engine)));
            for (int i = 2; i < args.length; i++) {
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
                    name(now), exact(engine), Bench.matmulGflops(engine)));
            for (int i = 1; i < args.length; i++) {
                line.append(String.format(Locale.ROOT, "; %s %.2f ms/step", args[i], msPerStep(engine, args[i])));
            }
            System.out.println(line);
        }
    }

    static String name(int precision) {
        return precision == 0 ? "highest" : precision == 1 ? "high" : precision == 2 ? "medium" : "error " + precision;
    }

    /** (1 + 2⁻¹⁰)·1 summed over 128 terms: 128.125 in fp32, 128 if the inputs were rounded to bf16. */
    static boolean exact(Engine engine) {
        try (NDManager m = engine.newBaseManager()) {
            NDArray a = m.full(new Shape(256, 128), 1f + 1f / 1024);
            NDArray b = m.ones(new Shape(128, 256));
            NDArray qa = m.full(new Shape(8, 256, 128), 1f + 1f / 1024);
            NDArray qb = m.ones(new Shape(8, 128, 256));
            return a.matMul(b).getFloat(3, 5) == 128.125f && qa.matMul(qb).getFloat(1, 3, 5) == 128.125f;
        }
    }

    /** The worker's inner step on {@code model}, as Bench measures it (batch 16, one thread, stretches of 10 steps). */
    static double msPerStep(Engine engine, String model) throws IOException {
        return (Double) Bench.measure(engine, model, 1, 16, 10).get("ms_per_step");
    }
}
