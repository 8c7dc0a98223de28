package diloco.codec;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A worker's outer gradient Δᵢ as it leaves the worker's task: fp32 as computed, bf16 (the upper
 * half of each float, rounded), or int8 with one fp32 scale per block of {@value #BLOCK} values;
 * optionally pruned first. The combining side decodes into fp32 and accumulates there ({@link #addTo}).
 *
 * <pre>
 *   bf16:  x ↦ the nearest bfloat16 (ties to even), or stochastically rounded: |x − x'| ≤ 2⁻⁸·|x|  (nearest)
 *   int8:  per block b: s = max|x|/127;  q = round(x/s) ∈ [−127, 127];  x' = q·s
 *          |x − x'| ≤ s/2 (nearest),  < s (stochastic: q = ⌊x/s + u⌋, u ~ U[0,1), unbiased)
 *   prune f: in each block of {@value #BLOCK} values the ⌊f·n⌋ smallest |x| become 0 (ties: the later
 *          ones); a bitmap of the kept positions travels with the kept values, which are then
 *          encoded as above, packed. Kept values keep their sign and (up to the format) their size.
 * </pre>
 */
public final class EncodedDelta implements Serializable {
    private static final long serialVersionUID = 2L;
    /** Values per int8 block (each block has its own scale), and per pruning block. */
    public static final int BLOCK = 1024;

    private final OuterGradDtype dtype;
    private final int length;
    /** Bit i set: value i was kept and is among the packed values; null when nothing was pruned. */
    private final long[] kept;
    /** The values sent, in one of the formats: all {@code length} of them, or the kept ones, packed. */
    private final float[] fp32;
    private final short[] bf16;
    private final byte[] int8;
    private final float[] scales;

    private EncodedDelta(OuterGradDtype dtype, int length, long[] kept, float[] fp32, short[] bf16, byte[] int8,
            float[] scales) {
        this.dtype = dtype;
        this.length = length;
        this.kept = kept;
        this.fp32 = fp32;
        this.bf16 = bf16;
        this.int8 = int8;
        this.scales = scales;
    }

    /**
     * Encodes {@code delta}, nothing pruned; {@code stochastic} rounding draws from {@code random}
     * (seed it from (seed, worker, round) so a retried task sends the same bytes). fp32 keeps the
     * array itself.
     */
    public static EncodedDelta encode(float[] delta, OuterGradDtype dtype, boolean stochastic, SplittableRandom random) {
        return encode(delta, dtype, 0, stochastic, random);
    }

    /**
     * Encodes {@code delta} with the fraction {@code prune} ∈ [0, 1) of each block's values, the
     * smallest in magnitude, left out. {@code prune} 0 is exactly the unpruned encoding.
     */
    public static EncodedDelta encode(float[] delta, OuterGradDtype dtype, double prune, boolean stochastic,
            SplittableRandom random) {
        if (!(prune >= 0 && prune < 1)) {
            throw new IllegalArgumentException("prune fraction must be in [0, 1), got " + prune);
        }
        if (prune == 0) {
            return encodeValues(delta, delta.length, null, dtype, stochastic, random);
        }
        long[] kept = keepLargest(delta, prune);
        int count = 0;
        for (long word : kept) {
            count += Long.bitCount(word);
        }
        float[] packed = new float[count];
        int j = 0;
        for (int w = 0; w < kept.length; w++) {
            for (long bits = kept[w]; bits != 0; bits &= bits - 1) {
                packed[j++] = delta[w * 64 + Long.numberOfTrailingZeros(bits)];
            }
        }
        return encodeValues(packed, delta.length, kept, dtype, stochastic, random);
    }

    /**
     * The kept positions: in each block of {@value #BLOCK}, all but the ⌊f·n⌋ values of smallest
     * magnitude; among equal magnitudes at the threshold, the earlier positions are kept.
     */
    static long[] keepLargest(float[] x, double prune) {
        long[] kept = new long[(x.length + 63) / 64];
        float[] magnitude = new float[BLOCK];
        float[] sorted = new float[BLOCK];
        for (int from = 0; from < x.length; from += BLOCK) {
            int n = Math.min(BLOCK, x.length - from);
            int drop = (int) Math.floor(prune * n);
            for (int i = 0; i < n; i++) {
                magnitude[i] = Math.abs(x[from + i]);
            }
            System.arraycopy(magnitude, 0, sorted, 0, n);
            Arrays.sort(sorted, 0, n);
            float threshold = sorted[drop]; // the smallest magnitude kept (drop < n since prune < 1)
            int above = 0;
            for (int i = 0; i < n; i++) {
                if (magnitude[i] > threshold) {
                    above++;
                }
            }
            int ties = n - drop - above; // how many values equal to the threshold are kept
            for (int i = 0; i < n; i++) {
                if (magnitude[i] > threshold || (magnitude[i] == threshold && ties-- > 0)) {
                    kept[(from + i) >>> 6] |= 1L << ((from + i) & 63);
                }
            }
        }
        return kept;
    }

    /** {@code values} (all of Δ, or its kept values packed) in {@code dtype}. */
    private static EncodedDelta encodeValues(float[] values, int length, long[] kept, OuterGradDtype dtype,
            boolean stochastic, SplittableRandom random) {
        switch (dtype) {
            case FP32:
                return new EncodedDelta(dtype, length, kept, values, null, null, null);
            case BF16: {
                short[] out = new short[values.length];
                for (int i = 0; i < values.length; i++) {
                    out[i] = toBf16(values[i], stochastic ? random.nextInt(1 << 16) : -1);
                }
                return new EncodedDelta(dtype, length, kept, null, out, null, null);
            }
            case INT8: {
                int blocks = (values.length + BLOCK - 1) / BLOCK;
                byte[] q = new byte[values.length];
                float[] s = new float[blocks];
                for (int b = 0; b < blocks; b++) {
                    int from = b * BLOCK;
                    int to = Math.min(values.length, from + BLOCK);
                    float max = 0f;
                    for (int i = from; i < to; i++) {
                        max = Math.max(max, Math.abs(values[i]));
                    }
                    float scale = max / 127f;
                    s[b] = scale;
                    if (scale == 0f) {
                        continue; // an all-zero block stays zero
                    }
                    for (int i = from; i < to; i++) {
                        float x = values[i] / scale;
                        float r = stochastic ? (float) Math.floor(x + random.nextFloat()) : Math.round(x);
                        q[i] = (byte) Math.max(-127f, Math.min(127f, r));
                    }
                }
                return new EncodedDelta(dtype, length, kept, null, null, q, s);
            }
            default:
                throw new IllegalArgumentException("unknown dtype " + dtype);
        }
    }

    /**
     * The bfloat16 of x: the upper 16 bits of its float, rounded to nearest even ({@code noise} −1),
     * or stochastically by adding {@code noise} ∈ [0, 2¹⁶) before truncating. NaN stays NaN.
     */
    static short toBf16(float x, int noise) {
        int bits = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) {
            return (short) ((bits >>> 16) | 0x40); // quiet NaN
        }
        int add = noise >= 0 ? noise : 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + add) >>> 16);
    }

    static float fromBf16(short h) {
        return Float.intBitsToFloat((h & 0xFFFF) << 16);
    }

    public int length() {
        return length;
    }

    public OuterGradDtype dtype() {
        return dtype;
    }

    /** Values sent: all of them, or the kept ones. */
    private int valuesSent() {
        return dtype == OuterGradDtype.FP32 ? fp32.length : dtype == OuterGradDtype.BF16 ? bf16.length : int8.length;
    }

    /**
     * Bytes of the encoded payload: what a worker sends (fp32 4, bf16 2, int8 1 per value sent,
     * plus 4 per int8 block, plus a bit per value of Δ when pruned).
     */
    public long bytes() {
        return dtype.bytesPerValue() * (long) valuesSent() + (scales == null ? 0 : 4L * scales.length)
                + (kept == null ? 0 : 8L * kept.length);
    }

    /** acc += decode(this), in fp32, without an intermediate array. */
    public void addTo(float[] acc) {
        if (acc.length != length) {
            throw new IllegalStateException("outer gradients of different sizes: " + acc.length + " vs " + length);
        }
        if (kept != null) {
            int j = 0;
            for (int w = 0; w < kept.length; w++) {
                for (long bits = kept[w]; bits != 0; bits &= bits - 1) {
                    acc[w * 64 + Long.numberOfTrailingZeros(bits)] += sentValue(j++);
                }
            }
            return;
        }
        switch (dtype) {
            case FP32:
                for (int i = 0; i < length; i++) {
                    acc[i] += fp32[i];
                }
                break;
            case BF16:
                for (int i = 0; i < length; i++) {
                    acc[i] += fromBf16(bf16[i]);
                }
                break;
            default:
                for (int b = 0; b < scales.length; b++) {
                    float scale = scales[b];
                    int to = Math.min(length, (b + 1) * BLOCK);
                    for (int i = b * BLOCK; i < to; i++) {
                        acc[i] += int8[i] * scale;
                    }
                }
        }
    }

    /** The j-th value sent, decoded. */
    private float sentValue(int j) {
        switch (dtype) {
            case FP32:
                return fp32[j];
            case BF16:
                return fromBf16(bf16[j]);
            default:
                return int8[j] * scales[j / BLOCK];
        }
    }

    /** The decoded values, fp32 (the array itself for unpruned fp32). */
    public float[] decode() {
        if (dtype == OuterGradDtype.FP32 && kept == null) {
            return fp32;
        }
        float[] out = new float[length];
        addTo(out);
        return out;
    }
}
