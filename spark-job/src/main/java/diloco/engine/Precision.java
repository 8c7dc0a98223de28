package diloco.engine;

import ai.djl.Device;

/**
 * The number format of a worker's forward and backward pass ({@code --precision}). Parameters,
 * gradients, AdamW's state and the outer gradients stay fp32 either way. In {@link #BF16} the
 * forward runs under libtorch's autocast, as {@code torch.autocast(dtype=torch.bfloat16)} does:
 * matrix products cast their inputs to bfloat16 inside the autograd graph, so the backward runs the
 * same products in bfloat16 and each gradient reaches its fp32 parameter as fp32. DJL 0.36 cannot
 * make or cast to bfloat16 arrays (its JNI has no such type; docs/benchmarks.md §6), so the job's own
 * JNI library ({@link TorchSettings}) turns autocast on and off around the forward.
 *
 * <p>Autocast is a setting of the calling thread: a step's forward and its backward run on the
 * worker's one compute thread, which is where {@link #forward(Device)} must be called.
 */
public enum Precision {
    /** fp32 throughout: every run before this option, bit for bit. */
    FP32,
    /** Matrix products in bfloat16 with fp32 accumulation; everything else as its inputs are. */
    BF16;

    private static final int CPU = 0;
    private static final int CUDA = 1;
    private static final int BFLOAT16 = 15; // c10::ScalarType::BFloat16

    /** An autocast region on the calling thread; closing it turns autocast off again. */
    public interface Region extends AutoCloseable {
        @Override
        void close();
    }

    private static final Region NONE = () -> { };

    /**
     * Starts a forward pass in this precision on {@code device}, on the calling thread. Autocast
     * is turned off when the region closes, before the backward: the backward's products then
     * follow the casts recorded in the graph, as in PyTorch.
     *
     * @throws IllegalStateException in {@link #BF16} when the job's JNI library is missing
     */
    public Region forward(Device device) {
        if (this == FP32) {
            return NONE;
        }
        String why = whyNotAvailable();
        if (!why.isEmpty()) {
            throw new IllegalStateException("--precision bf16 is not available here: " + why);
        }
        int type = device.isGpu() ? CUDA : CPU;
        int on = TorchSettings.autocast(type, BFLOAT16, true);
        if (on != 1) {
            TorchSettings.autocast(type, BFLOAT16, false);
            throw new IllegalStateException("libtorch's autocast could not be turned on (" + on + ")");
        }
        return () -> TorchSettings.autocast(type, BFLOAT16, false);
    }

    /** Why this precision cannot be used in this process, or "" when it can. */
    public String whyNotAvailable() {
        return this == FP32 ? "" : TorchSettings.LOADED;
    }
}
