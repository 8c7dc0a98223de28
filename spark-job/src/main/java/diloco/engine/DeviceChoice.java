package diloco.engine;

import diloco.option.UserError;

import java.util.Locale;

/**
 * Where a worker computes, from {@code --device}, the GPU Spark assigned to its task, and the GPUs
 * its PyTorch sees: a pure function, so every case is tested without a GPU.
 *
 * <ul>
 *   <li>{@code cpu}: the CPU.</li>
 *   <li>{@code gpu} / {@code gpu:N}: the task's Spark GPU (or N, or GPU 0); a PyTorch without CUDA
 *       (the application jar bundles the CPU build of libtorch) is an error naming the cure.</li>
 *   <li>{@code auto}: the task's Spark GPU, else GPU 0 if PyTorch sees one, else the CPU; a Spark
 *       GPU that PyTorch cannot use falls back to the CPU with a note the driver prints once.</li>
 * </ul>
 *
 * @param gpu  the CUDA device index to compute on, or -1 for the CPU
 * @param note why a GPU Spark assigned is not used, or null
 */
public record DeviceChoice(int gpu, String note) {

    static final String NO_CUDA = "%s has no CUDA: the application jar bundles the CPU build of libtorch; "
            + "give the executors a CUDA libtorch (PYTORCH_LIBRARY_PATH, see docs/gpu.md)";

    /** {@code assigned}: the task's Spark GPU address (null: none); {@code visible}: GPUs PyTorch sees. */
    public static DeviceChoice of(String spec, Integer assigned, int visible, String pytorch) {
        if (spec.equals("cpu")) {
            return new DeviceChoice(-1, null);
        }
        boolean explicit = spec.startsWith("gpu");
        if (visible == 0) {
            if (explicit) {
                throw new UserError(String.format(Locale.ROOT, "--device %s, but this executor's " + NO_CUDA
                        + ", or use --device auto", spec, pytorch));
            }
            return new DeviceChoice(-1, assigned == null ? null : String.format(Locale.ROOT,
                    "Spark assigned the workers GPUs, but the executors' " + NO_CUDA + ": computing on the CPU", pytorch));
        }
        int gpu = spec.startsWith("gpu:") ? Integer.parseInt(spec.substring(4)) : assigned != null ? assigned : 0;
        UserError.check(gpu < visible, "--device %s: GPU %d %s, but PyTorch sees %d GPU(s) on this executor", spec, gpu,
                assigned != null && !spec.startsWith("gpu:") ? "(assigned by Spark)" : "", visible);
        return new DeviceChoice(gpu, null);
    }

    public boolean isCpu() {
        return gpu < 0;
    }
}
