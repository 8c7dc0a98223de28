package diloco.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import diloco.DjlEngine;
import diloco.optim.AdamW;
import diloco.optim.AdamWSettings;
import diloco.optim.AdamWState;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class GptTest {
    private static final ModelConfig CFG = new ModelConfig(256, 16, 2, 32, 4, 0f);
    @RegisterExtension
    static final DjlEngine DJL = new DjlEngine();

    @Test
    void parameterCountMatchesGpt2Formula() {
        long v = 256;
        long t = 16;
        long d = 32;
        long perBlock = 12 * d * d + 13 * d; // qkv, proj, fc, proj weights + biases + two LayerNorms
        assertEquals(v * d + t * d + 2 * perBlock + 2 * d, new Gpt(CFG).layout().size());
    }

    @Test
    void initialLossIsNearUniform() {
        Gpt gpt = new Gpt(CFG);
        try (NDManager m = DJL.manager().newSubManager()) {
            NDList p = gpt.layout().toArrays(gpt.initialParameters(1), m);
            long[] x = new long[4 * 16];
            long[] y = new long[4 * 16];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i * 37) % 256;
                y[i] = (i * 101 + 13) % 256; // unrelated to x (tied embeddings favour repeating x)
            }
            float loss = gpt.loss(p, m.create(x, new Shape(4, 16)), m.create(y, new Shape(4, 16)), false).getFloat();
            assertEquals(Math.log(256), loss, 0.05, "small initial weights give near-uniform predictions");
        }
    }

    /** Changing the token at position 5 must not change predictions at positions 0..4. */
    @Test
    void attentionIsCausal() {
        Gpt gpt = new Gpt(CFG);
        try (NDManager m = DJL.manager().newSubManager()) {
            NDList p = gpt.layout().toArrays(gpt.initialParameters(2), m);
            long[] a = new long[16];
            for (int i = 0; i < 16; i++) {
                a[i] = 65 + i;
            }
            long[] b = a.clone();
            b[5] = 200;
            NDArray la = gpt.logits(p, m.create(a, new Shape(1, 16)), false);
            NDArray lb = gpt.logits(p, m.create(b, new Shape(1, 16)), false);
            assertArrayEquals(la.get(new NDIndex(":, 0:5")).toFloatArray(), lb.get(new NDIndex(":, 0:5")).toFloatArray(), 1e-6f);
            assertFalse(java.util.Arrays.equals(la.get(new NDIndex(":, 5")).toFloatArray(),
                    lb.get(new NDIndex(":, 5")).toFloatArray()), "position 5 sees its own token");
        }
    }

    @Test
    void initialisationIsDeterministicAndScaled() {
        Gpt gpt = new Gpt(CFG);
        float[] a = gpt.initialParameters(42);
        assertArrayEquals(a, gpt.initialParameters(42), 0f);
        ParamLayout.Entry wte = gpt.layout().get("wte.weight");
        double sq = 0;
        for (int i = wte.offset; i < wte.offset + wte.size; i++) {
            sq += a[i] * a[i];
        }
        assertEquals(0.02, Math.sqrt(sq / wte.size), 0.002);
        assertEquals(1f, a[gpt.layout().get("ln_f.weight").offset], 0f);
        assertEquals(0f, a[gpt.layout().get("h.0.attn.c_attn.bias").offset], 0f);
    }

    /** Sanity: 30 AdamW steps on one fixed batch memorise it. */
    @Test
    void fitsOneBatch() {
        Gpt gpt = new Gpt(CFG);
        try (NDManager m = DJL.manager().newSubManager()) {
            FlatParameters p = FlatParameters.of(gpt.layout(), gpt.initialParameters(3), m);
            long[] x = new long[2 * 16];
            long[] y = new long[2 * 16];
            for (int i = 0; i < x.length; i++) {
                x[i] = "the quick brown fox jumps over the lazy dog.".charAt(i % 44);
                y[i] = "the quick brown fox jumps over the lazy dog.".charAt((i + 1) % 44);
            }
            AdamW opt = new AdamW(new AdamWSettings(0.9f, 0.95f, 1e-8f, 0f, 1f), false);
            AdamWState state = AdamWState.fresh(gpt.layout(), m);
            float first = 0;
            float last = 0;
            for (int s = 0; s < 30; s++) {
                try (NDManager sm = m.newSubManager()) {
                    sm.tempAttachAll(p.array());
                    try (GradientCollector gc = DJL.engine().newGradientCollector()) {
                        NDArray loss = gpt.loss(p.views(), sm.create(x, new Shape(2, 16)), sm.create(y, new Shape(2, 16)), true);
                        gc.backward(loss);
                        last = loss.getFloat();
                        first = s == 0 ? last : first;
                    }
                    opt.step(p, state, 1e-2f);
                }
            }
            assertTrue(last < first - 2.0, "loss " + first + " -> " + last);
        }
    }

    /** Gradients of one batch (x, y both B×T), computed with {@code betweenPasses} run between forward and backward. */
    private static float[][] gradients(Gpt gpt, NDList p, long[] x, long[] y, NDManager m, Runnable betweenPasses) {
        for (NDArray a : p) {
            a.setRequiresGradient(true);
        }
        try (NDManager step = m.newSubManager()) {
            step.tempAttachAll(p);
            Shape shape = new Shape(4, 16);
            try (GradientCollector gc = DJL.engine().newGradientCollector()) {
                NDArray loss = gpt.loss(p, HostArrays.of(step, x, shape), HostArrays.of(step, y, shape), true);
                betweenPasses.run();
                gc.backward(loss);
            }
            float[][] g = new float[p.size()][];
            for (int i = 0; i < p.size(); i++) {
                g[i] = p.get(i).getGradient().toFloatArray();
                p.get(i).getGradient().subi(p.get(i).getGradient());
            }
            return g;
        }
    }

    /**
     * Regression: the backward pass must not read memory the JVM has freed since the forward pass
     * (DJL's scalar overloads under autograd did; see HostArrays). A collection plus a flood of
     * small direct buffers holding junk between forward and backward must not change a gradient.
     */
    @Test
    void gradientsSurviveAGarbageCollectionBetweenForwardAndBackward() throws Exception {
        Gpt gpt = new Gpt(CFG);
        try (NDManager m = DJL.manager().newSubManager()) {
            NDList p = gpt.layout().toArrays(gpt.initialParameters(5), m);
            long[] x = new long[4 * 16];
            long[] y = new long[4 * 16];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i * 37) % 256;
                y[i] = (i * 37 + 1) % 256;
            }
            float[][] clean = gradients(gpt, p, x, y, m, () -> { });
            java.util.List<java.nio.ByteBuffer> junk = new java.util.ArrayList<>();
            float[][] disturbed = gradients(gpt, p, x, y, m, () -> {
                for (int round = 0; round < 3; round++) {
                    System.gc();
                    try {
                        Thread.sleep(100); // the JVM's cleaner thread frees unreachable direct buffers now
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    for (int i = 0; i < 20_000; i++) {
                        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(4 + (i % 4) * 4);
                        while (b.hasRemaining()) {
                            b.put((byte) 0x7f);
                        }
                        junk.add(b);
                    }
                }
            });
            assertFalse(junk.isEmpty());
            for (int i = 0; i < clean.length; i++) {
                assertArrayEquals(clean[i], disturbed[i], gpt.layout().entries().get(i).name);
            }
        }
    }
}
