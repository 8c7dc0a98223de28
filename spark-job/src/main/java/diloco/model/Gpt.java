package diloco.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.internal.NDArrayEx;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A decoder-only GPT (GPT-2 shape, as in nanoGPT's model.py), written as plain functions of its
 * parameters so that the parameters stay ours: one flat θ on the driver, an {@link NDList} in
 * {@link ParamLayout} order on a worker.
 *
 * <pre>
 *   x(B,T) → wte[x] + wpe[0..T) → L × Block → LayerNorm → · wteᵀ → logits(B,T,V)
 *   Block(h) = h + Attn(LN₁(h));  h + MLP(LN₂(h))
 *   Attn     = causal multi-head self-attention, one fused qkv projection, output projection
 *   MLP      = Linear(d→4d) → GELU → Linear(4d→d)
 * </pre>
 *
 * Names and shapes follow PyTorch's GPT-2 state dict ({@code h.0.attn.c_attn.weight}, linear
 * weights stored (out, in)), so the safetensors file reads naturally from PyTorch. The LM head
 * shares the token embedding (weight tying), as in GPT-2.
 */
public final class Gpt {
    private static final float LN_EPS = 1e-5f;
    private static final float INIT_STD = 0.02f;

    private final ModelConfig cfg;
    private final ParamLayout layout;

    public Gpt(ModelConfig cfg) {
        cfg.validate();
        this.cfg = cfg;
        this.layout = declare(cfg);
    }

    public ModelConfig config() {
        return cfg;
    }

    public ParamLayout layout() {
        return layout;
    }

    private static ParamLayout declare(ModelConfig c) {
        long d = c.dModel();
        ParamLayout.Builder b = new ParamLayout.Builder()
                .add("wte.weight", true, c.vocabSize(), d)
                .add("wpe.weight", true, c.context(), d);
        for (int i = 0; i < c.layers(); i++) {
            String p = "h." + i + ".";
            b.add(p + "ln_1.weight", false, d).add(p + "ln_1.bias", false, d)
                    .add(p + "attn.c_attn.weight", true, 3 * d, d).add(p + "attn.c_attn.bias", false, 3 * d)
                    .add(p + "attn.c_proj.weight", true, d, d).add(p + "attn.c_proj.bias", false, d)
                    .add(p + "ln_2.weight", false, d).add(p + "ln_2.bias", false, d)
                    .add(p + "mlp.c_fc.weight", true, 4 * d, d).add(p + "mlp.c_fc.bias", false, 4 * d)
                    .add(p + "mlp.c_proj.weight", true, d, 4 * d).add(p + "mlp.c_proj.bias", false, d);
        }
        return b.add("ln_f.weight", false, d).add("ln_f.bias", false, d).build();
    }

    /**
     * GPT-2 initialisation, computed in plain Java so θ₀ is identical on every machine: weights
     * N(0, 0.02), residual output projections N(0, 0.02/√(2L)), biases 0, LayerNorm gain 1.
     */
    public float[] initialParameters(long seed) {
        float[] theta = new float[layout.size()];
        SplittableRandom rng = new SplittableRandom(seed);
        double residualStd = INIT_STD / Math.sqrt(2.0 * cfg.layers());
        for (ParamLayout.Entry e : layout.entries()) {
            int from = e.offset;
            int to = e.offset + e.size;
            if (e.name.endsWith("ln_1.weight") || e.name.endsWith("ln_2.weight") || e.name.equals("ln_f.weight")) {
                Arrays.fill(theta, from, to, 1f);
            } else if (e.name.endsWith(".bias")) {
                Arrays.fill(theta, from, to, 0f);
            } else {
                double std = e.name.endsWith("c_proj.weight") ? residualStd : INIT_STD;
                for (int i = from; i < to; i++) {
                    theta[i] = (float) (rng.nextGaussian() * std);
                }
            }
        }
        return theta;
    }

    /** Mean next-token cross-entropy (nats per token) of targets y given inputs x, both (B,T) int64. */
    public NDArray loss(NDList params, NDArray x, NDArray y, boolean training) {
        return tokenNll(params, x, y, training).mean();
    }

    /** Negative log-likelihood of each target token, shape (B,T). */
    public NDArray tokenNll(NDList params, NDArray x, NDArray y, boolean training) {
        NDArray logProbs = fp32(logits(params, x, training)).logSoftmax(-1);
        return logProbs.gather(y.expandDims(-1), -1).squeeze(-1).neg();
    }

    /** Logits (B,T,V) for inputs x (B,T) int64, T ≤ context. */
    public NDArray logits(NDList params, NDArray x, boolean training) {
        Params p = new Params(params);
        long batch = x.getShape().get(0);
        long t = x.getShape().get(1);
        if (t > cfg.context()) {
            throw new IllegalArgumentException("sequence length " + t + " exceeds context " + cfg.context());
        }
        NDArrayEx ex = x.getNDArrayInternal();
        NDArray h = ex.embedding(x, p.next(), SparseFormat.DENSE).singletonOrThrow();
        NDArray wte = params.get(0);
        NDArray pos = p.next().get(new NDIndex("0:" + t));
        h = dropout(h.add(pos), training);
        NDArray mask = causalMask(h.getManager(), t);
        // not q·kᵀ.mul(float): see HostArrays on DJL's scalar overloads under autograd
        NDArray scale = HostArrays.of(h.getManager(), new float[] {1f / (float) Math.sqrt(cfg.headDim())}, new Shape());
        for (int i = 0; i < cfg.layers(); i++) {
            h = h.add(dropout(attention(layerNorm(h, p.next(), p.next()), p, mask, scale, batch, t, training), training));
            h = h.add(dropout(mlp(layerNorm(h, p.next(), p.next()), p), training));
        }
        h = layerNorm(h, p.next(), p.next());
        return h.matMul(wte.transpose());
    }

    private NDArray attention(NDArray x, Params p, NDArray mask, NDArray scale, long batch, long t, boolean training) {
        int heads = cfg.heads();
        int hd = cfg.headDim();
        // split, not get(0..2): a split's backward is one concatenation, a select's a zeroed copy of all of qkv
        NDList qkv = linear(x, p.next(), p.next())
                .reshape(batch, t, 3, heads, hd)
                .transpose(2, 0, 3, 1, 4) // (3, B, H, T, hd)
                .split(3, 0);
        NDArray q = qkv.get(0).squeeze(0);
        NDArray k = qkv.get(1).squeeze(0);
        NDArray v = qkv.get(2).squeeze(0);
        // q scaled before q·kᵀ, not the scores after it: T/hd times fewer products, one T×T array less
        NDArray att = q.mul(scale).matMul(k.transpose(0, 1, 3, 2)).add(mask);
        att = dropout(fp32(att).softmax(-1), training);
        NDArray y = att.matMul(v).transpose(0, 2, 1, 3).reshape(batch, t, cfg.dModel());
        return linear(y, p.next(), p.next());
    }

    /**
     * x in fp32. Under bf16 autocast (diloco.engine.Precision) products come out in bfloat16, which
     * DJL 0.36 reads as UNKNOWN: its softmax would pass that type back and abort, and its cast runs
     * outside autograd. Adding an fp32 zero of shape (1) promotes x to fp32 inside the graph, as
     * autocast does before softmax and the loss; in fp32, x is returned as it is. Public for Bench's
     * ceiling, which reads a product.
     */
    public static NDArray fp32(NDArray x) {
        if (x.getDataType() == DataType.FLOAT32) {
            return x;
        }
        return x.add(x.getManager().zeros(new Shape(1), DataType.FLOAT32, x.getDevice()));
    }

    private NDArray mlp(NDArray x, Params p) {
        NDArray hidden = Activation.gelu(linear(x, p.next(), p.next()));
        return linear(hidden, p.next(), p.next());
    }

    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, NDArray gain, NDArray bias) {
        return x.getNDArrayInternal().layerNorm(x, new Shape(cfg.dModel()), gain, bias, LN_EPS).singletonOrThrow();
    }

    private NDArray dropout(NDArray x, boolean training) {
        if (!training || cfg.dropout() == 0f) {
            return x;
        }
        return x.getNDArrayInternal().dropout(x, cfg.dropout(), true).singletonOrThrow();
    }

    /** Additive mask (T,T): 0 on and below the diagonal, -inf above, so no token sees the future. */
    private static NDArray causalMask(NDManager manager, long t) {
        int n = (int) t;
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                m[i * n + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return HostArrays.of(manager, m, new Shape(t, t));
    }

    /** Walks the parameter list in declaration order, so forward code reads like the layout. */
    private static final class Params {
        private final NDList list;
        private int next;

        Params(NDList list) {
            this.list = list;
        }

        NDArray next() {
            return list.get(next++);
        }
    }
}
