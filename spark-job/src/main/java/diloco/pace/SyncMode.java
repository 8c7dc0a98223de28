package diloco.pace;

/**
 * When the driver applies outer gradients ({@code --sync}): {@code SYNC}, once per round, the mean
 * of all workers' (the paper); {@code ASYNC}, each as it arrives, with Delayed Nesterov momentum,
 * the worker restarting at once from the current θ (Liu et al. 2024).
 */
public enum SyncMode { SYNC, ASYNC }
