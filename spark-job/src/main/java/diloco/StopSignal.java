package diloco;

import java.util.concurrent.atomic.AtomicLong;

/**
 * SIGTERM (YARN or Kubernetes preemption, an Airflow task being killed) asks the driver to stop:
 * it finishes the current round, or abandons it after {@code --shutdown-grace}, writes a
 * checkpoint and exits with status {@link #EXIT_CODE}; {@code --resume} continues from there.
 */
public final class StopSignal {
    /** 128 + SIGTERM, as a shell reports a process ended by it. */
    public static final int EXIT_CODE = 143;

    private final AtomicLong requestedAt = new AtomicLong(0);

    /** Handles SIGTERM in this JVM from now on (instead of exiting at once). */
    @SuppressWarnings("restriction")
    public static StopSignal onSigterm() {
        StopSignal stop = new StopSignal();
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> {
                Log.standard(System.err).line("SIGTERM: finishing the current round, then writing a checkpoint");
                stop.request();
            });
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            Log.standard(System.err).line("warning: cannot handle SIGTERM here (" + e + "); a kill loses the rounds since the last checkpoint");
        }
        return stop;
    }

    /** A signal nobody sends (library use: the caller decides when to stop through {@link #request()}). */
    public static StopSignal none() {
        return new StopSignal();
    }

    public void request() {
        requestedAt.compareAndSet(0, System.nanoTime());
    }

    public boolean requested() {
        return requestedAt.get() != 0;
    }

    /** Seconds since the stop was requested (0 if it was not). */
    double secondsSinceRequest() {
        long t = requestedAt.get();
        return t == 0 ? 0 : (System.nanoTime() - t) / 1e9;
    }
}
