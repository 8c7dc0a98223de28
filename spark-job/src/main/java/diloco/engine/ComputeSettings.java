package diloco.engine;

import java.io.Serializable;

/**
 * Where, with how many threads and with which matrix kernels a worker computes
 * ({@code --threads-per-worker}, {@code --device}, {@code --matmul-kernels}).
 *
 * @param threads       PyTorch intra-op threads; 0 = the executor's cores
 * @param device        {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N} (see {@link DeviceChoice})
 * @param matmulKernels the kernels of the CPU's fp32 matrix products (see {@link MatmulKernels})
 */
public record ComputeSettings(int threads, String device, MatmulKernels matmulKernels) implements Serializable {
}
