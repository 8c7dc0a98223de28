package diloco;

import diloco.exchange.RoundPlan;

import java.util.Locale;

/**
 * Watches each round and cancels it when it must not go on: past {@code --round-timeout} (a stuck
 * worker), or past {@code --shutdown-grace} after a stop was requested. Rounds are never waited on
 * forever. As the loop's {@link RecoveryPolicy} it then decides what the cancelled round becomes:
 * retried, or dropped with {@code --on-worker-failure drop}, after a timeout; abandoned after a stop
 * request (the run then stops after the previous round). Any other failure fails the run.
 */
public final class RoundWatch implements RoundListener, RecoveryPolicy {
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

    public RoundWatch(WorkerPool workers, FaultSettings faults, StopSignal stop, Log log) {
        this.workers = workers;
        this.timeoutSeconds = faults.roundTimeout();
        this.dropOnTimeout = faults.dropFailedWorkers();
        this.maxAttempts = faults.taskMaxFailures();
        this.stop = stop;
        this.graceSeconds = faults.shutdownGrace();
        this.log = log;
    }

    @Override
    public void onStart(LoopStart start) {
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
    public void onRoundStart(RoundStart start) {
        cancelled = null;
        startedAt = System.nanoTime();
        watched = start.plan().round;
    }

    @Override
    public Recovery decide(Failure failure) {
        RoundPlan plan = failure.plan();
        int attempt = failure.attempt();
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
    public void onRoundEnd(RoundEnd end) {
        watched = 0;
    }

    @Override
    public void onEnd(LoopEnd end) {
        watched = 0;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
