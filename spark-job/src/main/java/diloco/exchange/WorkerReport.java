package diloco.exchange;

import java.io.Serializable;

/**
 * What one worker did in one round, everything but its outer gradient: sent with it to the driver.
 *
 * @param worker      the worker (= Spark partition) index
 * @param round       the round
 * @param training    what its inner steps did
 * @param stateSource where its AdamW state came from
 * @param placement   where it ran
 * @param timing      when it ran
 * @param outcome     what became of its outer gradient
 */
public record WorkerReport(int worker, int round, Training training, StateSource stateSource, Placement placement,
        Timing timing, Outcome outcome) implements Serializable {

    /**
     * @param tokens    tokens it trained on
     * @param steps     inner steps it took (its H this round, or fewer at a deadline)
     * @param meanLoss  mean training loss over its inner steps (nats per token)
     * @param deltaNorm L2 norm of its outer gradient θ − θᵢ
     * @param lrEnd     the inner learning rate of its last step
     * @param weight    the factor its Δ was multiplied by before the sum: 1 with {@code --merge mean}; with
     *                  {@code tokens}, its steps ÷ the most steps planned for any worker this round
     */
    public record Training(long tokens, int steps, double meanLoss, double deltaNorm, double lrEnd, float weight)
            implements Serializable {}

    /**
     * @param executor   the Spark executor id
     * @param host       the executor's host, as Spark's block manager knows it
     * @param device     the PyTorch device it computed on
     * @param threads    PyTorch intra-op threads it computed with
     * @param mklFastPaths its process had preloaded the library that lets libtorch's MKL take its fastest kernels
     *                   on non-Intel CPUs (read from the process's own mapped libraries)
     * @param matmulKernels the kernels of its process's fp32 matmuls on the CPU: onednn or onemkl
     *                   ({@code --matmul-kernels})
     * @param gpu        the GPU address Spark assigned to its task, or null
     * @param deviceNote why that GPU was not used (no CUDA), or null
     */
    public record Placement(String executor, String host, String device, int threads, boolean mklFastPaths,
            String matmulKernels, Integer gpu, String deviceNote)
            implements Serializable {}

    /**
     * @param startMs      start of its inner steps (epoch ms, measured on the executor)
     * @param endMs        end of its inner steps, and of an every-round state write
     * @param secWaiting   time waiting for the JVM's compute thread before starting
     * @param secStateSync time writing the every-round state file, else 0
     * @param secClock     its inner steps' seconds on the run's clock ({@code --clock}: virtual seconds, or wall
     *                     seconds with any simulated slowdown)
     * @param parts        its task's wall time on the compute thread, part by part
     */
    public record Timing(long startMs, long endMs, double secWaiting, double secStateSync, double secClock, Parts parts)
            implements Serializable {

        /** Seconds of inner steps (including an every-round state write). */
        public double secInner() {
            return (endMs - startMs) / 1000.0;
        }
    }

    /**
     * A worker's task on the compute thread, part by part, in wall seconds, so that a slow part shows in
     * any run: starting the engine (loading libtorch, the first time in a JVM), checking its AdamW
     * state out (from memory, or read from disk), uploading θ to the device, the inner steps, Δ (the
     * parameters back from the device, θ − θᵢ, its norm, its encoding), and committing the state
     * (kept in memory, and the every-round state file when asked).
     */
    public record Parts(double secEngine, double secCheckout, double secUpload, double secSteps, double secDelta,
            double secCommit) implements Serializable {
        public static final Parts NONE = new Parts(0, 0, 0, 0, 0, 0);

        /** The parts in the order above. */
        public double[] seconds() {
            return new double[] {secEngine, secCheckout, secUpload, secSteps, secDelta, secCommit};
        }

        public double total() {
            return java.util.Arrays.stream(seconds()).sum();
        }
    }

    /**
     * @param dropped        its outer gradient was lost (simulated); the driver did not receive it
     * @param startedFromOwn it started from its own parameters (its previous Δ was lost), not from θ
     * @param rejected       why its outer gradient was excluded (non-finite, too large, the task failed), or null
     */
    public record Outcome(boolean dropped, boolean startedFromOwn, String rejected) implements Serializable {}

    /** A worker that gave up: its task failed on every allowed attempt (--on-worker-failure drop). */
    public static WorkerReport failed(int worker, int round, String reason, String executor) {
        long now = System.currentTimeMillis();
        return new WorkerReport(worker, round, new Training(0, 0, Double.NaN, Double.NaN, Double.NaN, 0f),
                StateSource.fresh(), new Placement(executor, null, "none", 0, false, null, null, null),
                new Timing(now, now, 0, 0, 0, Parts.NONE),
                new Outcome(false, false, reason));
    }

    /** Why its outer gradient was excluded, or null. */
    public String rejected() {
        return outcome.rejected();
    }
}
