package diloco.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/**
 * Arrays made from JVM data, always copied into memory that PyTorch allocated and owns. Use this,
 * never {@code NDManager.create(...)} or DJL's {@code Number} overloads ({@code mul(2f)}), for
 * any array that autograd may keep for the backward pass.
 *
 * <p>Why: on the CPU, DJL's {@code create} wraps a JVM direct buffer in place
 * ({@code torch::from_blob}); the Java array object keeps that buffer alive, but the tensor does
 * not. DJL's {@code mul(Number)} makes such a scalar, multiplies, and closes it at once, while the
 * autograd graph still holds the tensor for {@code mul}'s backward: after a garbage collection the
 * backward pass reads freed memory. Measured in executor JVMs (docs/faults.md): the same step's
 * gradients computed twice in a row differed (up to 1e11) in 24 steps of a 900-step run and about
 * every second run diverged; single-process runs, which collect garbage less often, never showed
 * it. With PyTorch-owned arrays no mismatch was seen again. A copy also gets PyTorch's 64-byte
 * alignment, which its matrix kernels' summation order depends on.
 */
public final class HostArrays {
    private HostArrays() {}

    /** int64 array of {@code shape} holding {@code data}. */
    public static NDArray of(NDManager manager, long[] data, Shape shape) {
        return owned(manager.create(LongBuffer.wrap(data), shape));
    }

    /** float32 array of {@code shape} holding {@code data[offset, offset + shape.size())}. */
    public static NDArray of(NDManager manager, float[] data, int offset, Shape shape) {
        return owned(manager.create(FloatBuffer.wrap(data, offset, Math.toIntExact(shape.size())), shape));
    }

    /** float32 array of {@code shape} holding all of {@code data}. */
    public static NDArray of(NDManager manager, float[] data, Shape shape) {
        return of(manager, data, 0, shape);
    }

    private static NDArray owned(NDArray wrapsJvmMemory) {
        try (NDArray borrowed = wrapsJvmMemory) {
            return borrowed.duplicate();
        }
    }
}
