package diloco.engine;

import java.io.Serializable;

/**
 * Where and with how many threads a worker computes ({@code --threads-per-worker}, {@code --device}).
 *
 * @param threads PyTorch intra-op threads; 0 = the executor's cores
 * @param device  {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N} (see {@link DeviceChoice})
 */
public record ComputeSettings(int threads, String device) implements Serializable {
}
