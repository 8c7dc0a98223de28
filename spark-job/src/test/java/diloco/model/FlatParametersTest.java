package diloco.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import diloco.DjlEngine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The flat buffer's views and gradient against the model trained on separate tensors. */
class FlatParametersTest {
    private static final ModelConfig CFG = new ModelConfig(256, 16, 2, 32, 4, 0f);
    @RegisterExtension
    static final DjlEngine DJL = new DjlEngine();

    @Test
    void viewsHaveTheLayoutsShapesAndValues() {
        Gpt gpt = new Gpt(CFG);
        float[] theta = gpt.initialParameters(4);
        try (NDManager m = DJL.manager().newSubManager()) {
            NDList views = FlatParameters.of(gpt.layout(), theta, m).views();
            assertEquals(gpt.layout().entries().size(), views.size());
            for (int i = 0; i < views.size(); i++) {
                assertEquals(gpt.layout().entries().get(i).djlShape(), views.get(i).getShape());
            }
            assertArrayEquals(theta, gpt.layout().flatten(views), 0f);
        }
    }

    /** One backward pass: the contiguous gradient is the per-tensor gradients laid end to end. */
    @Test
    void gradientIsThePerTensorGradientsInLayoutOrder() {
        Gpt gpt = new Gpt(CFG);
        float[] theta = gpt.initialParameters(5);
        long[] x = new long[2 * 16];
        long[] y = new long[2 * 16];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 37) % 256;
            y[i] = (i * 11 + 3) % 256;
        }
        try (NDManager m = DJL.manager().newSubManager()) {
            NDList separate = gpt.layout().toArrays(theta, m);
            for (NDArray p : separate) {
                p.setRequiresGradient(true);
            }
            FlatParameters flat = FlatParameters.of(gpt.layout(), theta, m);
            NDArray xs = HostArrays.of(m, x, new Shape(2, 16));
            NDArray ys = HostArrays.of(m, y, new Shape(2, 16));
            try (GradientCollector gc = DJL.engine().newGradientCollector()) {
                gc.backward(gpt.loss(separate, xs, ys, true));
            }
            try (GradientCollector gc = DJL.engine().newGradientCollector()) {
                gc.backward(gpt.loss(flat.views(), xs, ys, true));
            }
            NDList grads = new NDList();
            for (NDArray p : separate) {
                grads.add(p.getGradient());
            }
            float[] expected = gpt.layout().flatten(grads);
            float[] actual = flat.gradient().toFloatArray();
            assertEquals(gpt.layout().size(), actual.length);
            assertArrayEquals(expected, actual, 1e-6f);
        }
    }

    @Test
    void decayMaskCoversExactlyTheDecayedTensors() {
        Gpt gpt = new Gpt(CFG);
        try (NDManager m = DJL.manager().newSubManager()) {
            float[] mask = FlatParameters.of(gpt.layout(), gpt.initialParameters(6), m).decayMask().toFloatArray();
            for (ParamLayout.Entry e : gpt.layout().entries()) {
                for (int i = e.offset; i < e.offset + e.size; i++) {
                    assertEquals(e.decay ? 1f : 0f, mask[i], e.name);
                }
            }
        }
    }
}
