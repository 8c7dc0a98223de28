/**
 * Compressed outer gradients: how a worker's Δᵢ is encoded before it leaves its task (fp32, bf16,
 * int8 with per-block scales; optionally pruned to the largest values of each block, with a bitmap)
 * and decoded into fp32 where outer gradients are summed.
 */
package diloco.codec;
