package diloco;

import diloco.exchange.RoundPlan;
import diloco.io.FileEntry;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The k DiLoCo workers as the outer loop sees them. {@link diloco.spark.SparkWorkerPool} runs
 * each worker as a Spark partition; the outer loop never touches Spark itself, and a test can
 * drive it with a pool of hand-computed outer gradients.
 */
public interface WorkerPool extends AutoCloseable {

    /**
     * Sends θ to the plan's active workers; each takes H inner AdamW steps on its own shard,
     * continuing its own optimizer state, and sends back Δᵢ = θ − θᵢ. Returns their sum and the
     * workers' reports.
     */
    InnerRound innerSteps(float[] theta, RoundPlan plan);

    /**
     * Starts the plan's one active worker as a job of its own and returns at once (asynchronous
     * DiLoCo, {@code --sync async}): the result is what {@link #innerSteps} would return for the plan.
     * {@code theta} is the caller's to keep unchanged until the job ends. By default the job runs
     * before this returns (a pool of hand-computed workers).
     */
    default CompletableFuture<InnerRound> submit(float[] theta, RoundPlan plan) {
        return CompletableFuture.completedFuture(innerSteps(theta, plan));
    }

    /** Cancels the work of {@code round} now running (a timeout, a stop), and every submitted job; {@link #innerSteps} then throws. */
    void cancel(int round);

    /**
     * Each worker writes the state it kept at the end of its last active round
     * ({@code lastActive[i]}; 0 = never active, nothing to write) into checkpoint directory
     * {@code dir}; returns the files' manifest entries.
     */
    List<FileEntry> saveStates(int[] lastActive, int checkpointRound, String dir);

    /** {Σ validation nll (nats), predicted tokens} of θ on the fixed validation windows. */
    double[] validate(float[] theta);

    @Override
    void close();
}
