package diloco.data;

import java.util.SplittableRandom;

/**
 * Draws a batch of (input, target) windows from a token stream. The windows depend only on
 * (seed, worker, global inner step), never on how steps are cut into rounds, so a run with H=5,
 * R=4 sees exactly the batches of a run with H=20, R=1.
 */
public record BatchSampler(TokenStream tokens, long seed, int worker, int batch, int context) implements BatchSource {

    /** The batches of {@code shard}'s worker: {@code batch} windows of {@code context} tokens each step. */
    public static BatchSource of(Shard shard, long seed, int batch, int context) {
        return new BatchSampler(shard.tokens(), seed, shard.worker(), batch, context);
    }

    @Override
    public void fill(long globalStep, long[] x, long[] y) {
        fill(tokens, seed, worker, globalStep, batch, context, x, y);
    }

    /** Fills x and y (each B×T, row-major) with windows of length T+1 starting at random offsets. */
    public static void fill(TokenStream tokens, long seed, int worker, long globalStep, int batch, int context,
            long[] x, long[] y) {
        long span = tokens.size() - context;
        if (span < 1) {
            throw new IllegalArgumentException("stream of " + tokens.size() + " tokens is shorter than context+1");
        }
        SplittableRandom rng = new SplittableRandom(Hashing.mix(seed, worker, globalStep));
        for (int b = 0; b < batch; b++) {
            // nextInt below 2^31: the draws of every in-memory shard, unchanged since before streams
            long start = span <= Integer.MAX_VALUE ? rng.nextInt((int) span) : rng.nextLong(span);
            int row = b * context;
            int previous = tokens.at(start);
            for (int t = 0; t < context; t++) {
                int next = tokens.at(start + t + 1);
                x[row + t] = previous;
                y[row + t] = next;
                previous = next;
            }
        }
    }
}
