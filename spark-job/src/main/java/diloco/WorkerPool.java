package diloco;

import diloco.exchange.RoundPlan;
import diloco.io.FileEntry;

import java.util.List;

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

    /** Cancels the work of {@code round} now running (a timeout, a stop); {@link #innerSteps} then throws. */
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
