package diloco.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import diloco.io.BuildInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Which kernels compute the CPU's fp32 matrix products ({@code --matmul-kernels}). libtorch's CPU
 * build has two: oneMKL's sgemm (its default) and oneDNN's, which ATen uses for fp32
 * {@code mm}/{@code addmm}/{@code bmm}, forward and backward, when its float32 matmul precision is
 * "medium" and the CPU has AVX-512 (BW, VL, DQ). On non-Intel CPUs oneMKL runs its AVX2 code, and
 * there oneDNN's kernels made the worker's step 1.6–2.0× faster at one thread (docs/benchmarks.md
 * §1, "Matmul kernels"). DJL 0.36 does not expose that setting, so a small JNI library
 * ({@link TorchSettings}, built into the jar when a C compiler is present) sets it.
 *
 * <p>"Medium" lets oneDNN compute in bfloat16 where the CPU has AMX; oneDNN is therefore used only
 * after checking, once per process, that products of values that are not bfloat16s stay exact fp32.
 * Where the MKL fast paths are preloaded (src/main/native/mkl_fast_paths.c), oneMKL's own kernels
 * were faster still, so {@link #AUTO} keeps them there. The setting is process-wide, like the
 * thread count: each task applies its run's choice on the JVM's one compute thread before it
 * computes ({@link Engines#start(int, MatmulKernels)}).
 */
public enum MatmulKernels {
    /**
     * oneDNN's where they are usable ({@link #ONEDNN}) and the MKL fast paths are not preloaded
     * (oneMKL with them was faster still); else oneMKL's.
     */
    AUTO,
    /** oneDNN's where they compute exact fp32 on this CPU and the process sees no GPU; else oneMKL's. */
    ONEDNN,
    /** oneMKL's sgemm, libtorch's default (the kernels of every run before this option). */
    ONEMKL;

    /** The kernels in force, as run.json, metrics and benchmarks name them. */
    public static final String ONEDNN_NAME = "onednn";
    public static final String ONEMKL_NAME = "onemkl";

    /**
     * With oneDNN, blocks up to 32 MiB (glibc's own ceiling for this threshold) come from malloc's
     * heaps, which keep up to 1 GiB free: oneDNN's per-call buffers are then reused instead of being
     * mapped and page-faulted on every matmul (docs/benchmarks.md §1, "Matmul kernels").
     */
    static final long MMAP_THRESHOLD = 32L << 20;
    static final long TRIM_THRESHOLD = 1L << 30;
    private static final int HIGHEST = 0;
    private static final int MEDIUM = 2;
    /** Why oneDNN is not usable in this process (null until first asked, "" when it is). */
    private static String whyNotOnednn;
    private static boolean memoryKept;

    /**
     * Applies this choice to the process and returns the kernels now computing fp32 matmuls on the
     * CPU: {@value #ONEDNN_NAME} or {@value #ONEMKL_NAME}. Call on the compute thread, before computing.
     */
    public String apply(Engine engine) {
        synchronized (MatmulKernels.class) { // the process's setting, whichever constant applies it
            boolean onednn = this == ONEDNN || this == AUTO && !BuildInfo.mklFastPaths();
            if (onednn && whyNotOnednn(engine).isEmpty()) {
                TorchSettings.set(MEDIUM);
                if (!memoryKept) { // once per process: glibc's setting, like the precision, is the process's
                    memoryKept = TorchSettings.keepFreedMemory(MMAP_THRESHOLD, TRIM_THRESHOLD) == 1;
                }
                return ONEDNN_NAME;
            }
            if (TorchSettings.LOADED.isEmpty()) {
                TorchSettings.set(HIGHEST); // a run before this one in the JVM may have chosen oneDNN
            }
            return ONEMKL_NAME;
        }
    }

    /** Why oneDNN's kernels are not usable in this process, or "" when they are. */
    public static synchronized String whyNotOnednn(Engine engine) {
        if (whyNotOnednn == null) {
            whyNotOnednn = check(engine);
        }
        return whyNotOnednn;
    }

    private static String check(Engine engine) {
        if (engine.getGpuCount() > 0) {
            return "the process has a GPU (the setting would also allow TF32 there)";
        }
        if (!TorchSettings.LOADED.isEmpty()) {
            return TorchSettings.LOADED;
        }
        if (!CpuFlags.avx512()) {
            return "the CPU lacks AVX-512 BW/VL/DQ, which ATen requires before it hands matmuls to oneDNN";
        }
        int before = TorchSettings.set(-1);
        if (before != HIGHEST) {
            return "the float32 matmul precision was already changed in this process (" + before + ")";
        }
        TorchSettings.set(MEDIUM);
        boolean exact = exactFp32(engine);
        TorchSettings.set(HIGHEST);
        return exact ? "" : "oneDNN rounds fp32 matmul inputs to bfloat16 on this CPU";
    }

    /**
     * Whether fp32 matrix products are exact under the current setting: 1 + 2⁻¹⁰ is not a bfloat16,
     * and K such products with 1 sum to K + K/1024 exactly in fp32 (K if the inputs were rounded to
     * bfloat16). Checked in mm (two shapes, one operand transposed as in the backward pass) and bmm.
     */
    static boolean exactFp32(Engine engine) {
        float x = 1f + 1f / 1024;
        try (NDManager m = engine.newBaseManager(ai.djl.Device.cpu())) {
            return allEqual(m.full(new Shape(256, 128), x).matMul(m.ones(new Shape(128, 256))), 128 + 128f / 1024)
                    && allEqual(m.full(new Shape(1024, 96), x).transpose().matMul(m.ones(new Shape(1024, 64))), 1025f)
                    && allEqual(m.full(new Shape(8, 64, 128), x).matMul(m.ones(new Shape(8, 128, 64))), 128 + 128f / 1024);
        }
    }

    private static boolean allEqual(NDArray a, float value) {
        for (float f : a.toFloatArray()) {
            if (f != value) {
                return false;
            }
        }
        return true;
    }

    /** The CPU flags ATen checks ({@code mkldnn_bf16_device_check}): AVX-512 BW, VL and DQ. */
    static final class CpuFlags {
        private CpuFlags() {}

        static boolean avx512() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (line.startsWith("flags")) {
                        List<String> flags = List.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                        return flags.containsAll(List.of("avx512bw", "avx512vl", "avx512dq"));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux
            }
            return false;
        }
    }
}
