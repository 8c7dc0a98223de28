package diloco;

import java.util.Locale;

/**
 * Watches each round and cancels it when it must not go on: past {@code --round-timeout} (a stuck
 * worker; the round is retried, or dropped with {@code --on-worker-failure drop}), or past
 * {@code --shutdown-grace} after a stop was requested (the run then stops after the previous
 * round). Rounds are never waited on forever.
 */
public final class RoundWatch implements RoundListener {
    private final WorkerPool workers;
    private final double timeoutSeconds;
    private final boolean dropOnTimeout;
    private final int maxAttempts;
    private final StopSignal stop;
    private final double graceSeconds;
    private final Log log;
    private Thread thread;
    private volatile int watched; // the round being watched, 0 = none
    private volatile long startedAt;
    private volatile String cancelled; // why the watched round was cancelled: "timeout", "stop", or null

    public RoundWatch(WorkerPool workers, double timeoutSeconds, boolean dropOnTimeout, int maxAttempts, StopSignal stop,
            double graceSeconds, Log log) {
        this.workers = workers;
        this.timeoutSeconds = timeoutSeconds;
        this.dropOnTimeout = dropOnTimeout;
        this.maxAttempts = maxAttempts;
        this.stop = stop;
        this.graceSeconds = graceSeconds;
        this.log = log;
    }

    @Override
    public void onStart(LoopState state, float[] theta) {
        thread = new Thread(this::watch, "diloco-round-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch() {
        while (!Thread.currentThread().isInterrupted()) {
            int r = watched;
            if (r > 0) {
                double elapsed = (System.nanoTime() - startedAt) / 1e9;
                if (cancelled == null) {
                    cancelled = timeoutSeconds > 0 && elapsed > timeoutSeconds ? "timeout"
                            : stop.requested() && stop.secondsSinceRequest() > graceSeconds ? "stop" : null;
                }
                if (cancelled != null) {
                    workers.cancel(r); // again every poll: work submitted after a cancel (still broadcasting) runs on
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void onRoundStart(RoundPlan plan, int attempt) {
        cancelled = null;
        startedAt = System.nanoTime();
        watched = plan.round;
    }

    @Override
    public Recovery onRoundFailed(RoundPlan plan, int attempt, Exception error) {
        String why = cancelled;
        watched = 0;
        if ("stop".equals(why)) {
            log.say("round %d abandoned: still running %.0f s after the stop request (--shutdown-grace)", plan.round,
                    graceSeconds);
            return Recovery.ABANDON;
        }
        if (!"timeout".equals(why)) {
            return Recovery.FAIL;
        }
        if (dropOnTimeout) {
            log.say("warning: round %d exceeded --round-timeout %.0f s: dropped (θ unchanged)", plan.round, timeoutSeconds);
            return Recovery.SKIP;
        }
        if (attempt >= maxAttempts) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "round %d exceeded --round-timeout %.0f s on %d attempts: a worker is stuck; rerun with --resume, "
                            + "or pass --on-worker-failure drop to go on without it", plan.round, timeoutSeconds, attempt));
        }
        log.say("warning: round %d exceeded --round-timeout %.0f s: retrying (attempt %d of %d)", plan.round,
                timeoutSeconds, attempt + 1, maxAttempts);
        return Recovery.RETRY;
    }

    @Override
    public void afterRound(RoundEnd round) {
        watched = 0; // validation is not watched, as before
    }

    @Override
    public void onEnd(LoopState state, float[] theta, Ending ending) {
        watched = 0;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
