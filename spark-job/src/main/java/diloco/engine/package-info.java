/**
 * The PyTorch engine of a JVM, free of Spark: its threads, device and matmul kernels
 * ({@link diloco.engine.Engines}, {@link diloco.engine.DeviceChoice}, {@link diloco.engine.MatmulKernels},
 * {@link diloco.engine.ComputeSettings}), the number format of a forward pass
 * ({@link diloco.engine.Precision}: bf16 through libtorch's autocast), the JNI library that sets what
 * DJL does not expose ({@link diloco.engine.TorchSettings}), the one compute thread
 * every training and scoring step of the JVM runs on, and a trained model used
 * ({@link diloco.engine.Inference}: scoring, generation).
 */
package diloco.engine;
