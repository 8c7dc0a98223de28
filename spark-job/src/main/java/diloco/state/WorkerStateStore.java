package diloco.state;

import ai.djl.ndarray.NDManager;

import diloco.exchange.StateSource;
import diloco.model.ParamLayout;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Executor-side memory of each worker's state between rounds, keyed by (run, worker, round); the
 * memory tier of {@link WorkerStates}.
 *
 * <p>A task asks for exactly the state its worker left at the end of the last round it took part
 * in (normally r−1; earlier when the worker sat out rounds of an adaptive pool) and gets a copy:
 * the stored state stays intact until a later round's state is committed and asked for. A retried
 * task (lost result, lost executor) therefore restarts from the same state and never applies H
 * steps twice; an older or missing state is never used silently: the worker starts fresh and
 * reports it.
 *
 * <p>Memory: up to two states per worker (the one asked for and the newest) plus the working copy. States of runs
 * idle for {@link #IDLE_EVICT_MS} are dropped, so long-lived executors (notebooks) do not leak.
 */
public final class WorkerStateStore {
    static final long IDLE_EVICT_MS = 30 * 60_000L;
    private static final WorkerStateStore INSTANCE = new WorkerStateStore();

    private final Map<String, Map<Integer, TreeMap<Integer, WorkerState>>> runs = new HashMap<>();
    private final Map<String, Long> lastUse = new HashMap<>();

    public static WorkerStateStore get() {
        return INSTANCE;
    }

    /**
     * A working copy (in a new sub-manager of {@code parent}) of the state {@code worker} left at
     * the end of {@code previousRound}, or a fresh state when there is none (always for round 0).
     */
    public synchronized WorkerStates.Checkout checkout(String runId, int worker, int previousRound, ParamLayout layout,
            NDManager parent) {
        evictIdle(runId);
        TreeMap<Integer, WorkerState> states = states(runId, worker);
        dropBelow(states, previousRound);
        WorkerState kept = states.get(previousRound);
        if (kept != null) {
            return new WorkerStates.Checkout(kept.copy(parent), new StateSource(StateSource.Kind.MEMORY, previousRound));
        }
        return new WorkerStates.Checkout(WorkerState.fresh(layout, parent), StateSource.fresh());
    }

    /**
     * Keeps {@code state} (ownership passes to the store) as the end of {@code round}; the state it
     * started from ({@code previousRound}) stays for a retry of this round.
     */
    public synchronized void commit(String runId, int worker, int previousRound, int round, WorkerState state) {
        TreeMap<Integer, WorkerState> states = states(runId, worker);
        WorkerState replaced = states.put(round, state);
        if (replaced != null && replaced != state) {
            replaced.close();
        }
        dropBelow(states, previousRound);
    }

    /** The stored state of {@code round} itself (no copy), or null; for writing it to a checkpoint. */
    public synchronized WorkerState peek(String runId, int worker, int round) {
        return states(runId, worker).get(round);
    }

    /** Frees every state of a run (called when the run ends, where the driver shares the JVM). */
    public synchronized void clear(String runId) {
        Map<Integer, TreeMap<Integer, WorkerState>> byWorker = runs.remove(runId);
        lastUse.remove(runId);
        if (byWorker != null) {
            byWorker.values().forEach(s -> s.values().forEach(WorkerState::close));
        }
    }

    /** Number of states held for a run (for tests and diagnostics). */
    public synchronized int held(String runId) {
        Map<Integer, TreeMap<Integer, WorkerState>> byWorker = runs.get(runId);
        return byWorker == null ? 0 : byWorker.values().stream().mapToInt(TreeMap::size).sum();
    }

    private TreeMap<Integer, WorkerState> states(String runId, int worker) {
        lastUse.put(runId, System.currentTimeMillis());
        return runs.computeIfAbsent(runId, r -> new HashMap<>()).computeIfAbsent(worker, w -> new TreeMap<>());
    }

    private static void dropBelow(TreeMap<Integer, WorkerState> states, int round) {
        Iterator<Map.Entry<Integer, WorkerState>> it = states.headMap(round, false).entrySet().iterator();
        while (it.hasNext()) {
            it.next().getValue().close();
            it.remove();
        }
    }

    private void evictIdle(String activeRun) {
        long now = System.currentTimeMillis();
        for (String run : lastUse.keySet().toArray(new String[0])) {
            if (!run.equals(activeRun) && now - lastUse.get(run) > IDLE_EVICT_MS) {
                clear(run);
            }
        }
    }
}
