package diloco;

/**
 * The k DiLoCo workers as the outer loop sees them. {@link diloco.spark.SparkWorkerPool} runs
 * each worker as a Spark partition; the outer loop never touches Spark itself.
 */
public interface WorkerPool extends AutoCloseable {

    /**
     * Sends θ to the plan's active workers; each takes H inner AdamW steps on its own shard,
     * continuing its own optimizer state, and sends back Δᵢ = θ − θᵢ. Returns their sum and the
     * workers' reports.
     */
    InnerRound innerSteps(float[] theta, RoundPlan plan);

    /** {Σ validation nll (nats), predicted tokens} of θ on the fixed validation windows. */
    double[] validate(float[] theta);

    @Override
    void close();
}
