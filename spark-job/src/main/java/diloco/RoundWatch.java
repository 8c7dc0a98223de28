package diloco;

import org.apache.spark.api.java.JavaSparkContext;

/**
 * Watches one round's Spark job and cancels it when it must not go on: past {@code --round-timeout}
 * (a stuck worker), or past {@code --shutdown-grace} after a stop was requested. Rounds are never
 * waited on forever.
 */
final class RoundWatch implements AutoCloseable {
    enum Reason { TIMEOUT, STOP }

    private final Thread thread;
    private volatile Reason reason;
    private volatile boolean done;

    RoundWatch(JavaSparkContext sc, String jobGroup, double timeoutSeconds, StopSignal stop, double graceSeconds) {
        long start = System.nanoTime();
        thread = new Thread(() -> {
            while (!done) {
                double elapsed = (System.nanoTime() - start) / 1e9;
                if (reason == null) {
                    reason = timeoutSeconds > 0 && elapsed > timeoutSeconds ? Reason.TIMEOUT
                            : stop.requested() && stop.secondsSinceRequest() > graceSeconds ? Reason.STOP : null;
                }
                if (reason != null) {
                    // again every poll: a job submitted after a cancel (the round was still broadcasting) runs on
                    sc.cancelJobGroup(jobGroup);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "diloco-round-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /** Why the round was cancelled, or null if it was not. */
    Reason reason() {
        return reason;
    }

    @Override
    public void close() {
        done = true;
        thread.interrupt();
    }
}
