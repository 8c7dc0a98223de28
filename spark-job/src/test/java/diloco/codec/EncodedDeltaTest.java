package diloco.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.SplittableRandom;

/** Compressed outer gradients: the error bounds of each format, their sizes, and fp32 left exactly as it was. */
class EncodedDeltaTest {
    /** 3.5 blocks of Gaussians at very different scales, one block all zeros. */
    static float[] delta() {
        Random r = new Random(42);
        float[] d = new float[EncodedDelta.BLOCK * 3 + EncodedDelta.BLOCK / 2];
        double[] scale = {1e-3, 0, 5.0, 1e-6};
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (r.nextGaussian() * scale[i / EncodedDelta.BLOCK]);
        }
        return d;
    }

    /** int8: every value within half a step (s/2, s = the block's max|x|/127) when rounded to nearest, within a step when stochastic. */
    @Test
    void int8ErrorStaysWithinItsBlocksStep() {
        float[] d = delta();
        for (boolean stochastic : new boolean[] {false, true}) {
            float[] back = EncodedDelta.encode(d, OuterGradDtype.INT8, stochastic, new SplittableRandom(1)).decode();
            for (int b = 0; b * EncodedDelta.BLOCK < d.length; b++) {
                int from = b * EncodedDelta.BLOCK;
                int to = Math.min(d.length, from + EncodedDelta.BLOCK);
                double max = 0;
                for (int i = from; i < to; i++) {
                    max = Math.max(max, Math.abs(d[i]));
                }
                double step = max / 127;
                double bound = (stochastic ? step : step / 2) * (1 + 1e-6); // the float arithmetic's own rounding
                for (int i = from; i < to; i++) {
                    double err = Math.abs(d[i] - back[i]);
                    assertTrue(stochastic ? err < bound || err == 0 : err <= bound,
                            "value " + i + ": error " + err + " > " + bound + (stochastic ? " (stochastic)" : ""));
                }
            }
        }
    }

    /** bf16 rounded to nearest: relative error at most 2⁻⁸; ties go to the even mantissa. */
    @Test
    void bf16IsTheNearestBfloat16() {
        float[] d = delta();
        float[] back = EncodedDelta.encode(d, OuterGradDtype.BF16, false, null).decode();
        for (int i = 0; i < d.length; i++) {
            assertTrue(Math.abs(d[i] - back[i]) <= Math.abs(d[i]) / 256.0, i + ": " + d[i] + " -> " + back[i]);
        }
        // by hand: bfloat16 keeps 7 mantissa bits, so 1 + 2⁻⁸ lies halfway between 1 and 1 + 2⁻⁷
        assertEquals(1.0f, round(1f + 0x1p-8f), "a tie goes to the even neighbour (1)");
        assertEquals(1f + 0x1p-6f, round(1f + 0x1p-7f + 0x1p-8f), "a tie goes to the even neighbour (1 + 2⁻⁶)");
        assertEquals(1f + 0x1p-7f, round(1f + 0x1p-8f + 0x1p-12f), "above the tie: up");
        assertEquals(-3.0f, round(-3.0f), "exact values stay");
    }

    static float round(float x) {
        return EncodedDelta.fromBf16(EncodedDelta.toBf16(x, -1));
    }

    @Test
    void sizesAreWhatTravels() {
        float[] d = delta();
        int n = d.length;
        assertEquals(4L * n, EncodedDelta.encode(d, OuterGradDtype.FP32, false, null).bytes());
        assertEquals(2L * n, EncodedDelta.encode(d, OuterGradDtype.BF16, false, null).bytes());
        assertEquals(n + 4L * 4, EncodedDelta.encode(d, OuterGradDtype.INT8, false, null).bytes(), "a byte each, 4 per block");
    }

    @Test
    void stochasticRoundingIsTheSameForTheSameSeed() {
        float[] d = delta();
        assertArrayEquals(EncodedDelta.encode(d, OuterGradDtype.INT8, true, new SplittableRandom(9)).decode(),
                EncodedDelta.encode(d, OuterGradDtype.INT8, true, new SplittableRandom(9)).decode());
    }

    /** fp32 is not touched: the worker's array itself, and sums bit-identical to a plain loop in the same order. */
    @Test
    void fp32IsUnchangedBitForBit() {
        float[] a = delta();
        assertSame(a, EncodedDelta.encode(a, OuterGradDtype.FP32, false, null).decode());
    }

    /**
     * Pruning f: in each block exactly n − ⌊f·n⌋ values survive, unchanged in fp32, and none of the
     * dropped is larger in magnitude than a kept one of its block (checked against a sort of the block).
     */
    @Test
    void pruningKeepsTheLargestValuesOfEachBlock() {
        float[] d = delta();
        for (double f : new double[] {0.25, 0.5, 0.75}) {
            float[] back = EncodedDelta.encode(d, OuterGradDtype.FP32, f, false, null).decode();
            for (int from = 0; from < d.length; from += EncodedDelta.BLOCK) {
                int n = Math.min(EncodedDelta.BLOCK, d.length - from);
                float[] magnitudes = new float[n];
                int kept = 0;
                float smallestKept = Float.POSITIVE_INFINITY;
                float largestDropped = 0;
                for (int i = from; i < from + n; i++) {
                    magnitudes[i - from] = Math.abs(d[i]);
                    if (back[i] != 0) {
                        assertEquals(d[i], back[i], "a kept value travels as it was (fp32)");
                        kept++;
                        smallestKept = Math.min(smallestKept, Math.abs(d[i]));
                    } else {
                        largestDropped = Math.max(largestDropped, Math.abs(d[i]));
                    }
                }
                if (from / EncodedDelta.BLOCK == 1) {
                    assertEquals(0, kept, "the all-zero block stays zero");
                    continue;
                }
                int drop = (int) Math.floor(f * n);
                assertEquals(n - drop, kept, "block at " + from + ", f " + f);
                java.util.Arrays.sort(magnitudes);
                assertEquals(magnitudes[drop], smallestKept, "the smallest kept is the sorted block's entry ⌊f·n⌋");
                assertTrue(largestDropped <= smallestKept, "f " + f + ": dropped " + largestDropped + " > kept " + smallestKept);
            }
        }
    }

    /** Equal magnitudes at the threshold: the earlier positions are kept, whatever their sign. */
    @Test
    void pruningBreaksTiesByPosition() {
        float[] d = {3, -1, 1, -1, 1, 0.5f, -1, 2};
        float[] back = EncodedDelta.encode(d, OuterGradDtype.FP32, 0.5, false, null).decode();
        // ⌊0.5·8⌋ = 4 dropped: 0.5 and three of the five ±1s; kept: 3, 2 and the first two ±1s
        assertArrayEquals(new float[] {3, -1, 1, 0, 0, 0, 0, 2}, back);
    }

    /** What travels when pruned: the kept values in the format, plus one bit per value of Δ. */
    @Test
    void prunedSizesAreTheKeptValuesPlusABitmap() {
        float[] d = delta(); // 3.5 blocks: 3,584 values, 56 words of bitmap
        int kept = 3 * 512 + 256;
        assertEquals(4L * kept + 8 * 56, EncodedDelta.encode(d, OuterGradDtype.FP32, 0.5, false, null).bytes());
        assertEquals(2L * kept + 8 * 56, EncodedDelta.encode(d, OuterGradDtype.BF16, 0.5, false, null).bytes());
        assertEquals(kept + 4L * 2 + 8 * 56, EncodedDelta.encode(d, OuterGradDtype.INT8, 0.5, false, null).bytes(),
                "int8 scales per block of the 1,792 packed values: 2");
        for (OuterGradDtype dtype : OuterGradDtype.values()) {
            EncodedDelta none = EncodedDelta.encode(d, dtype, 0.0, false, null);
            assertEquals(EncodedDelta.encode(d, dtype, false, null).bytes(), none.bytes(), dtype + ": prune 0 sends all");
            assertArrayEquals(EncodedDelta.encode(d, dtype, false, null).decode(), none.decode(), dtype + ": prune 0 is a no-op");
        }
    }

    /** Pruning composes with int8: the same positions as fp32 pruning, each within int8's bound of its value. */
    @Test
    void prunedInt8KeepsTheSamePositionsWithinItsStep() {
        float[] d = delta();
        float[] fp32 = EncodedDelta.encode(d, OuterGradDtype.FP32, 0.75, false, null).decode();
        float[] int8 = EncodedDelta.encode(d, OuterGradDtype.INT8, 0.75, false, null).decode();
        float max = 0;
        for (float x : d) {
            max = Math.max(max, Math.abs(x));
        }
        for (int i = 0; i < d.length; i++) {
            if (fp32[i] == 0) {
                assertEquals(0f, int8[i], "pruned position " + i);
            } else {
                assertTrue(Math.abs(int8[i] - fp32[i]) <= max / 254.0 * (1 + 1e-6), "position " + i);
            }
        }
    }

    @Test
    void pruneFractionOutsideTheUnitIntervalIsRefused() {
        float[] d = delta();
        for (double f : new double[] {-0.1, 1.0, Double.NaN}) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> EncodedDelta.encode(d, OuterGradDtype.FP32, f, false, null), "f " + f);
        }
    }
}
