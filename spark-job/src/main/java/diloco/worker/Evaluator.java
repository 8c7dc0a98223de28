package diloco.worker;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import diloco.config.TrainConfig;
import diloco.model.Gpt;
import diloco.model.HostArrays;
import diloco.model.ParamLayout;

import java.util.List;

/** Validation: the summed next-token negative log-likelihood of fixed windows under θ. */
public final class Evaluator {
    private Evaluator() {}

    /** Returns {Σ nll (nats), number of predicted tokens} over {@code windows} (each T+1 long). */
    public static double[] nll(List<int[]> windows, float[] theta, TrainConfig cfg) throws Exception {
        if (windows.isEmpty()) {
            return new double[] {0, 0};
        }
        Integer gpu = Engines.taskGpu();
        return Engines.exclusive(() -> {
            Engine engine = Engines.start(cfg.threadsPerWorker);
            Device device = Engines.device(engine, cfg.device, gpu);
            Gpt model = new Gpt(cfg.model);
            ParamLayout layout = model.layout();
            int t = windows.get(0).length - 1;
            double sum = 0;
            long count = 0;
            try (NDManager manager = engine.newBaseManager(device)) {
                NDList params = layout.toArrays(theta, manager); // no gradients: no autograd graph
                for (int from = 0; from < windows.size(); from += cfg.batchSize) {
                    int n = Math.min(cfg.batchSize, windows.size() - from);
                    long[] x = new long[n * t];
                    long[] y = new long[n * t];
                    for (int i = 0; i < n; i++) {
                        int[] w = windows.get(from + i);
                        for (int j = 0; j < t; j++) {
                            x[i * t + j] = w[j];
                            y[i * t + j] = w[j + 1];
                        }
                    }
                    try (NDManager batch = manager.newSubManager()) {
                        batch.tempAttachAll(params);
                        Shape shape = new Shape(n, t);
                        sum += model.tokenNll(params, HostArrays.of(batch, x, shape), HostArrays.of(batch, y, shape), false)
                                .sum().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
                        count += (long) n * t;
                    }
                }
            }
            return new double[] {sum, count};
        });
    }
}
