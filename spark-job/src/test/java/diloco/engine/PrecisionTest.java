package diloco.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import diloco.TestSupport;

import org.junit.jupiter.api.Test;

/**
 * bf16 compute against products computed here: a linear layer under {@link Precision#BF16} equals
 * the fp32 sum of its inputs rounded to bfloat16, itself rounded to bfloat16, and its weight's
 * gradient lands in fp32 with the value of the same bfloat16 product in the backward.
 */
class PrecisionTest {
    private static final int ROWS = 32;
    private static final int IN = 64;
    private static final int OUT = 24;

    @Test
    void bf16LinearIsTheBfloat16ProductAndItsGradientLandsInFp32() throws Exception {
        assumeTrue(Precision.BF16.whyNotAvailable().isEmpty(), Precision.BF16.whyNotAvailable());
        Engine engine = Engines.start(1);
        float[] x = TestSupport.gaussians(ROWS * IN, 1);
        float[] w = TestSupport.gaussians(OUT * IN, 2);
        float[] b = TestSupport.gaussians(OUT, 3);
        Engines.exclusive(() -> {
            try (NDManager m = engine.newBaseManager(Device.cpu())) {
                NDArray xs = m.create(x, new Shape(ROWS, IN));
                NDArray ws = m.create(w, new Shape(OUT, IN));
                NDArray bs = m.create(b, new Shape(OUT));
                ws.setRequiresGradient(true);
                NDArray y;
                try (GradientCollector gc = engine.newGradientCollector()) {
                    try (Precision.Region r = Precision.BF16.forward(Device.cpu())) {
                        y = linear(xs, ws, bs);
                        assertNotEquals(DataType.FLOAT32, y.getDataType(), "the product is not fp32 under bf16");
                        y = y.add(m.zeros(new Shape(1))); // to fp32 inside the graph, as Gpt does
                    }
                    gc.backward(y.sum());
                }
                float[] ours = y.toFloatArray();
                NDArray grad = ws.getGradient();
                assertEquals(DataType.FLOAT32, grad.getDataType());
                float[] dw = grad.toFloatArray();
                int differFromFp32 = 0;
                for (int i = 0; i < ROWS; i++) {
                    for (int o = 0; o < OUT; o++) {
                        double bf = bfloat16(b[o]);
                        double full = b[o];
                        for (int k = 0; k < IN; k++) {
                            bf += (double) bfloat16(x[i * IN + k]) * bfloat16(w[o * IN + k]);
                            full += (double) x[i * IN + k] * w[o * IN + k];
                        }
                        assertWithinOneBfloat16Step(bf, ours[i * OUT + o], "y[" + i + "," + o + "]");
                        if (Math.abs(ours[i * OUT + o] - full) > 1e-5 * Math.max(1, Math.abs(full))) {
                            differFromFp32++;
                        }
                    }
                }
                assertTrue(differFromFp32 > ROWS * OUT / 2, "most products differ from fp32's: " + differFromFp32);
                // d sum(y) / dW[o,k] = Σᵢ x[i,k], computed by the backward as a bfloat16 product of ones and x
                for (int o = 0; o < OUT; o++) {
                    for (int k = 0; k < IN; k++) {
                        double sum = 0;
                        for (int i = 0; i < ROWS; i++) {
                            sum += bfloat16(x[i * IN + k]);
                        }
                        assertWithinOneBfloat16Step(sum, dw[o * IN + k], "dW[" + o + "," + k + "]");
                    }
                }
            }
            return null;
        });
    }

    /** Closing the region turns autocast off: the next product is fp32 again, as is every fp32 one. */
    @Test
    void closingTheRegionAndFp32ComputeInFp32() throws Exception {
        assumeTrue(Precision.BF16.whyNotAvailable().isEmpty(), Precision.BF16.whyNotAvailable());
        Engine engine = Engines.start(1);
        Engines.exclusive(() -> {
            try (NDManager m = engine.newBaseManager(Device.cpu())) {
                NDArray xs = m.create(TestSupport.gaussians(ROWS * IN, 4), new Shape(ROWS, IN));
                NDArray ws = m.create(TestSupport.gaussians(OUT * IN, 5), new Shape(OUT, IN));
                NDArray bs = m.zeros(new Shape(OUT));
                try (Precision.Region r = Precision.BF16.forward(Device.cpu())) {
                    assertNotEquals(DataType.FLOAT32, linear(xs, ws, bs).getDataType());
                }
                assertEquals(DataType.FLOAT32, linear(xs, ws, bs).getDataType());
                try (Precision.Region r = Precision.FP32.forward(Device.cpu())) {
                    assertEquals(DataType.FLOAT32, linear(xs, ws, bs).getDataType());
                }
            }
            return null;
        });
    }

    private static NDArray linear(NDArray x, NDArray w, NDArray b) {
        return x.getNDArrayInternal().linear(x, w, b).singletonOrThrow();
    }

    /** v rounded to the nearest bfloat16 (ties to even): fp32 with its low 16 bits rounded away. */
    static float bfloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }

    /**
     * ours is expected rounded to bfloat16 after an fp32 sum in an order of the kernel's choosing:
     * within one bfloat16 step (2⁻⁷ of the value's binade) of the exact sum.
     */
    private static void assertWithinOneBfloat16Step(double expected, float ours, String what) {
        assertEquals(ours, bfloat16(ours), 0, what + " is a bfloat16");
        double step = Math.scalb(1.0, Math.getExponent((float) expected) - 7);
        assertEquals(expected, ours, step, what);
    }
}
