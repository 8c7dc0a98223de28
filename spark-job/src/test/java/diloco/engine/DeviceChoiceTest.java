package diloco.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.option.UserError;

import org.junit.jupiter.api.Test;

/** Every case of --device against what Spark assigned and what PyTorch sees, without a GPU. */
class DeviceChoiceTest {
    static final String TORCH = "PyTorch 2.7.1";

    @Test
    void cpuIsAlwaysTheCpu() {
        assertTrue(DeviceChoice.of("cpu", 1, 4, TORCH).isCpu());
        assertNull(DeviceChoice.of("cpu", 1, 0, TORCH).note());
    }

    @Test
    void autoUsesTheSparkGpuElseGpu0ElseTheCpu() {
        assertEquals(new DeviceChoice(1, null), DeviceChoice.of("auto", 1, 2, TORCH));
        assertEquals(new DeviceChoice(0, null), DeviceChoice.of("auto", null, 2, TORCH));
        assertEquals(new DeviceChoice(-1, null), DeviceChoice.of("auto", null, 0, TORCH), "no GPU anywhere: CPU, silently");
    }

    /** A GPU Spark assigned but a CPU-only PyTorch: the CPU, with a note that names the cure. */
    @Test
    void autoFallsBackToTheCpuWithANoteWhenPyTorchHasNoCuda() {
        DeviceChoice c = DeviceChoice.of("auto", 1, 0, TORCH);
        assertTrue(c.isCpu());
        assertTrue(c.note().contains("Spark assigned the workers GPUs") && c.note().contains("no CUDA")
                && c.note().contains("docs/gpu.md") && c.note().endsWith("computing on the CPU"), c.note());
    }

    @Test
    void gpuWithoutCudaIsOneClearError() {
        UserError e = assertThrows(UserError.class, () -> DeviceChoice.of("gpu", 0, 0, TORCH));
        assertEquals("--device gpu, but this executor's PyTorch 2.7.1 has no CUDA: the application jar bundles the CPU build "
                + "of libtorch; give the executors a CUDA libtorch (PYTORCH_LIBRARY_PATH, see docs/gpu.md), or use --device auto",
                e.getMessage());
        assertThrows(UserError.class, () -> DeviceChoice.of("gpu:1", null, 0, TORCH));
    }

    @Test
    void gpuTakesTheSparkGpuOrTheNamedOneWithinWhatPyTorchSees() {
        assertEquals(new DeviceChoice(1, null), DeviceChoice.of("gpu", 1, 2, TORCH));
        assertEquals(new DeviceChoice(0, null), DeviceChoice.of("gpu", null, 1, TORCH));
        assertEquals(new DeviceChoice(3, null), DeviceChoice.of("gpu:3", 0, 4, TORCH), "gpu:N wins over Spark's");
        UserError e = assertThrows(UserError.class, () -> DeviceChoice.of("auto", 2, 1, TORCH));
        assertTrue(e.getMessage().contains("GPU 2 (assigned by Spark), but PyTorch sees 1 GPU(s)"), e.getMessage());
    }
}
