package diloco.codec;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * A worker's outer gradient Δᵢ as it leaves the worker's task: fp32 as computed, bf16 (the upper
 * half of each float, rounded), or int8 with one fp32 scale per block of {@value #BLOCK} values.
 * The combining side decodes into fp32 and accumulates there ({@link #addTo}).
 *
 * <pre>
 *   bf16:  x ↦ the nearest bfloat16 (ties to even), or stochastically rounded: |x − x'| ≤ 2⁻⁸·|x|  (nearest)
 *   int8:  per block b: s = max|x|/127;  q = round(x/s) ∈ [−127, 127];  x' = q·s
 *          |x − x'| ≤ s/2 (nearest),  < s (stochastic: q = ⌊x/s + u⌋, u ~ U[0,1), unbiased)
 * </pre>
 */
public final class EncodedDelta implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Values per int8 block (each block has its own scale). */
    public static final int BLOCK = 1024;

    private final OuterGradDtype dtype;
    private final int length;
    private final float[] fp32;
    private final short[] bf16;
    private final byte[] int8;
    private final float[] scales;

    private EncodedDelta(OuterGradDtype dtype, int length, float[] fp32, short[] bf16, byte[] int8, float[] scales) {
        this.dtype = dtype;
        this.length = length;
        this.fp32 = fp32;
        this.bf16 = bf16;
        this.int8 = int8;
        this.scales = scales;
    }

    /**
     * Encodes {@code delta}; {@code stochastic} rounding draws from {@code random} (seed it from
     * (seed, worker, round) so a retried task sends the same bytes). fp32 keeps the array itself.
     */
    public static EncodedDelta encode(float[] delta, OuterGradDtype dtype, boolean stochastic, SplittableRandom random) {
        switch (dtype) {
            case FP32:
                return new EncodedDelta(dtype, delta.length, delta, null, null, null);
            case BF16: {
                short[] out = new short[delta.length];
                for (int i = 0; i < delta.length; i++) {
                    out[i] = toBf16(delta[i], stochastic ? random.nextInt(1 << 16) : -1);
                }
                return new EncodedDelta(dtype, delta.length, null, out, null, null);
            }
            case INT8: {
                int blocks = (delta.length + BLOCK - 1) / BLOCK;
                byte[] q = new byte[delta.length];
                float[] s = new float[blocks];
                for (int b = 0; b < blocks; b++) {
                    int from = b * BLOCK;
                    int to = Math.min(delta.length, from + BLOCK);
                    float max = 0f;
                    for (int i = from; i < to; i++) {
                        max = Math.max(max, Math.abs(delta[i]));
                    }
                    float scale = max / 127f;
                    s[b] = scale;
                    if (scale == 0f) {
                        continue; // an all-zero block stays zero
                    }
                    for (int i = from; i < to; i++) {
                        float x = delta[i] / scale;
                        float r = stochastic ? (float) Math.floor(x + random.nextFloat()) : Math.round(x);
                        q[i] = (byte) Math.max(-127f, Math.min(127f, r));
                    }
                }
                return new EncodedDelta(dtype, delta.length, null, null, q, s);
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

    /** Bytes of the encoded payload: what a worker sends (fp32 4, bf16 2, int8 1 per value, plus 4 per block). */
    public long bytes() {
        return dtype.bytesPerValue() * (long) length + (scales == null ? 0 : 4L * scales.length);
    }

    /** acc += decode(this), in fp32, without an intermediate array. */
    public void addTo(float[] acc) {
        if (acc.length != length) {
            throw new IllegalStateException("outer gradients of different sizes: " + acc.length + " vs " + length);
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

    /** The decoded values, fp32 (the array itself for fp32). */
    public float[] decode() {
        if (dtype == OuterGradDtype.FP32) {
            return fp32;
        }
        float[] out = new float[length];
        addTo(out);
        return out;
    }
}
