package diloco.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import diloco.TestSupport;
import diloco.io.BuildInfo;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The choice of matmul kernels against libtorch itself: the precision the JNI library reads back,
 * products checked against exact sums, and oneDNN's products against oneMKL's on random matrices.
 */
class MatmulKernelsTest {

    @AfterAll
    static void backToDefault() throws Exception {
        Engines.exclusive(() -> MatmulKernels.ONEMKL.apply(Engines.start(1)));
    }

    /**
     * On a CPU with AVX-512 and no AMX (every machine this project's CI has run on), with the
     * library built (a C compiler at build time), onednn takes oneDNN, and so does auto unless the MKL
     * fast paths are preloaded (they are not in the test JVM); elsewhere they say why not.
     */
    @Test
    void onednnAndAutoTakeOnednnWhereItComputesExactFp32() throws Exception {
        Engine engine = Engines.start(1);
        boolean built = Files.isRegularFile(Path.of("target", "classes", "diloco", "engine", "native",
                "libdiloco_torch_settings.so"))
                || Files.isRegularFile(Path.of("target", "spark3.5_2.12", "classes", "diloco", "engine", "native",
                "libdiloco_torch_settings.so"));
        boolean usable = built && engine.getGpuCount() == 0 && MatmulKernels.CpuFlags.avx512() && !amx();
        String auto = Engines.exclusive(() -> MatmulKernels.AUTO.apply(engine));
        assertEquals(usable && !BuildInfo.mklFastPaths() ? MatmulKernels.ONEDNN_NAME : MatmulKernels.ONEMKL_NAME, auto);
        String kernels = Engines.exclusive(() -> MatmulKernels.ONEDNN.apply(engine));
        String why = MatmulKernels.whyNotOnednn(engine);
        boolean expected = usable;
        assertEquals(expected ? MatmulKernels.ONEDNN_NAME : MatmulKernels.ONEMKL_NAME, kernels, why);
        assertEquals(kernels.equals(MatmulKernels.ONEDNN_NAME), why.isEmpty(), why);
        if (expected) {
            assertEquals(2, TorchSettings.set(-1), "libtorch's precision reads back as medium");
            assertTrue(Engines.exclusive(() -> MatmulKernels.exactFp32(engine)));
            assertEquals(MatmulKernels.ONEMKL_NAME, Engines.exclusive(() -> MatmulKernels.ONEMKL.apply(engine)));
            assertEquals(0, TorchSettings.set(-1), "onemkl puts the default (highest) back");
        }
    }

    /** oneMKL's products of values that are not bfloat16s are exact: the check itself can pass. */
    @Test
    void defaultKernelsAreExactFp32() throws Exception {
        Engine engine = Engines.start(1);
        assertEquals(MatmulKernels.ONEMKL_NAME, Engines.exclusive(() -> MatmulKernels.ONEMKL.apply(engine)));
        assertTrue(Engines.exclusive(() -> MatmulKernels.exactFp32(engine)));
    }

    /**
     * Whichever kernels onednn puts in force compute fp32: on random matrices (K = 512) every product is within
     * the fp32 bound K·2⁻²⁴·Σ|aₖbₖ| of the exact one (computed here in double), where inputs rounded
     * to bfloat16 would be off by about 2⁻⁹·Σ|aₖbₖ|, 64 times more.
     */
    @Test
    void onednnComputesWithinTheFp32BoundOfTheExactProduct() throws Exception {
        Engine engine = Engines.start(1);
        int m = 64;
        int k = 512;
        int n = 48;
        float[] a = TestSupport.gaussians(m * k, 1);
        float[] b = TestSupport.gaussians(k * n, 2);
        float[] ours = Engines.exclusive(() -> {
            MatmulKernels.ONEDNN.apply(engine);
            return product(engine, a, b);
        });
        double worst = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double exact = 0;
                double magnitude = 0;
                for (int p = 0; p < k; p++) {
                    exact += (double) a[i * k + p] * b[p * n + j];
                    magnitude += Math.abs((double) a[i * k + p] * b[p * n + j]);
                }
                worst = Math.max(worst, Math.abs(ours[i * n + j] - exact) / (k * Math.ulp(1f) / 2 * magnitude));
            }
        }
        assertTrue(worst <= 1, "largest error, in units of the fp32 bound: " + worst);
    }

    private static float[] product(Engine engine, float[] a, float[] b) {
        try (NDManager m = engine.newBaseManager(ai.djl.Device.cpu())) {
            NDArray x = m.create(a, new Shape(64, a.length / 64));
            NDArray y = m.create(b, new Shape(a.length / 64, 48));
            return x.matMul(y).toFloatArray();
        }
    }


    private static boolean amx() throws Exception {
        return Files.readString(Path.of("/proc/cpuinfo")).contains("amx_tile");
    }
}
