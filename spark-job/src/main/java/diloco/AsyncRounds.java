package diloco;

import diloco.exchange.RoundPlan;
import diloco.exchange.WorkerReport;
import diloco.optim.DelayedNesterov;
import diloco.optim.OuterLrSchedule;
import diloco.pace.ClockKind;
import diloco.pace.Pacing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Asynchronous DiLoCo (Liu et al. 2024), cut into rounds of k arrivals so that the loop's
 * validation, checkpoints, metrics and {@code --rounds} work as in a synchronous run:
 *
 * <pre>
 *   every worker i runs a job: θᵢ ← θ_start(i); its inner steps; Δᵢ ← θ_start(i) − θᵢ
 *   round r: repeat k times:
 *       the next worker to finish arrives (on the virtual clock: the earliest planned end)
 *       θ ← DelayedNesterov(θ, Δᵢ, lr(r))     (Δᵢ against the θ it started from, applied to the current θ)
 *       worker i starts its next job at once from the current θ
 * </pre>
 *
 * On the virtual clock a job of s steps by a worker slowed F× ends s·F seconds after it started, so
 * the order of arrivals, and the model, depend on the command alone, not on Spark's timing. On the
 * wall clock workers arrive as they finish. A round is applied to a copy of θ and written back only
 * when complete, so a failed or abandoned round leaves θ as it was.
 */
public final class AsyncRounds implements RoundRunner {
    private final WorkerPool workers;
    private final DelayedNesterov outer;
    private final OuterLrSchedule outerLr;
    private final Pacing pacing;
    private final int innerSteps;
    private final long seed;
    /** The jobs running now, by worker, with their results to come. */
    private final Map<Integer, Running> running = new TreeMap<>();
    /** Per worker: the job whose state its next job continues, and the inner steps it has taken. */
    private int[] keptJob;
    private long[] stepsTaken;
    private double[] pace;
    private int nextJob;
    private double clock;
    private long wallStart;
    private AsyncState resumed;

    private record Running(AsyncState.Job job, CompletableFuture<InnerRound> result) {}

    /**
     * @param resumed where a resumed run's asynchronous rounds stood (its θ starts are in {@code outer}), or null
     */
    public AsyncRounds(WorkerPool workers, DelayedNesterov outer, OuterLrSchedule outerLr, Pacing pacing, int innerSteps,
            long seed, AsyncState resumed) {
        this.workers = workers;
        this.outer = outer;
        this.outerLr = outerLr;
        this.pacing = pacing;
        this.innerSteps = innerSteps;
        this.seed = seed;
        this.resumed = resumed;
    }

    @Override
    public DiLoCoRound.Result run(float[] theta, RoundPlan plan) {
        if (keptJob == null) {
            begin(theta, plan);
        }
        int k = plan.workers();
        float lr = outerLr.at(plan.round);
        float[] working = theta.clone();
        float[] sum = new float[theta.length];
        List<WorkerReport> reports = new ArrayList<>();
        int received = 0;
        long bytesUp = 0;
        double clockBefore = clock;
        long t0 = System.nanoTime();
        double secOuter = 0;
        for (int arrival = 1; arrival <= k; arrival++) {
            Running next = nextArrival();
            InnerRound one = result(next);
            running.remove(next.job().worker());
            outer.handedOut().remove(next.job().worker());
            WorkerReport report = one.reports().get(0);
            clock = pacing.clock() == ClockKind.VIRTUAL ? next.job().startedAt() + report.timing().secClock() : wallNow();
            long s0 = System.nanoTime();
            float[] delta = one.deltaSum();
            if (arrival < k && delta != null) {
                outer.arrive(working, delta, lr);
            } else if (arrival == k) {
                outer.closePeriod(working, delta, lr);
            }
            secOuter += (System.nanoTime() - s0) / 1e9;
            if (delta != null) {
                received++;
                bytesUp += one.bytesUp();
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += delta[i];
                }
            }
            reports.add(report);
            kept(next.job(), report);
            // even in the last round: a checkpoint then holds every worker's job, so a longer resumed run goes on exactly
            start(next.job().worker(), working, plan.checkpointRound);
        }
        System.arraycopy(working, 0, theta, 0, theta.length);
        double secStage = (System.nanoTime() - t0) / 1e9;
        InnerRound inner = new InnerRound(received == 0 ? null : sum, received, received, reports, 0, secStage, bytesUp, 0);
        double norm = Double.NaN;
        double agreement = Double.NaN;
        if (received > 0) {
            norm = DiLoCoRound.norm(inner.meanDelta());
            agreement = DiLoCoRound.agreement(norm, reports);
        }
        return new DiLoCoRound.Result(inner, secOuter, norm, agreement, lr,
                pacing.clock() == ClockKind.VIRTUAL ? clock - clockBefore : Double.NaN, snapshot());
    }

    @Override
    public boolean checkpointsAfterAbandon() {
        return false;
    }

    /** First call: each worker's cursor from the plan, then every worker started (a resumed run's jobs as they were). */
    private void begin(float[] theta, RoundPlan plan) {
        int k = plan.workers();
        keptJob = new int[k];
        stepsTaken = new long[k];
        pace = new double[k];
        Arrays.fill(pace, Double.NaN);
        int newest = 0;
        for (int w = 0; w < k; w++) {
            keptJob[w] = plan.previousRound(w);
            stepsTaken[w] = plan.firstStep(w);
            newest = Math.max(newest, keptJob[w]);
        }
        nextJob = newest + 1;
        wallStart = System.nanoTime();
        if (resumed != null) {
            clock = resumed.clock();
            for (int w = 0; w < k && w < resumed.paces().size(); w++) {
                pace[w] = resumed.paces().get(w) > 0 ? resumed.paces().get(w) : Double.NaN;
            }
            nextJob = Math.max(nextJob, resumed.nextJob());
            wallStart -= (long) (resumed.clock() * 1e9);
            Map<Integer, float[]> starts = outer.handedOut();
            for (AsyncState.Job job : resumed.inFlight()) {
                float[] from = starts.get(job.worker());
                if (from == null) {
                    throw new IllegalStateException("the checkpoint lacks the θ worker " + job.worker() + " started from");
                }
                submit(job, from, plan.checkpointRound);
            }
            resumed = null;
        }
        for (int w = 0; w < k; w++) {
            if (!running.containsKey(w)) {
                start(w, theta, plan.checkpointRound);
            }
        }
    }

    /** Worker {@code w}'s next job, from {@code theta} now. */
    private void start(int w, float[] theta, int checkpointRound) {
        double[] paces = pace.clone();
        boolean[] all = new boolean[paces.length];
        Arrays.fill(all, true);
        int steps = pacing.innerSteps(innerSteps, paces, all)[w];
        AsyncState.Job job = new AsyncState.Job(w, nextJob++, keptJob[w], stepsTaken[w], steps, clock);
        submit(job, theta.clone(), checkpointRound);
    }

    private void submit(AsyncState.Job job, float[] from, int checkpointRound) {
        int k = keptJob.length;
        boolean[] active = new boolean[k];
        active[job.worker()] = true;
        int[] previous = keptJob.clone();
        previous[job.worker()] = job.previousJob();
        long[] first = stepsTaken.clone();
        first[job.worker()] = job.firstStep();
        int[] count = new int[k];
        count[job.worker()] = job.steps();
        RoundPlan plan = new RoundPlan(job.job(), active, previous, seed, 0, checkpointRound,
                new RoundPlan.Steps(first, count, 0));
        outer.handedOut().put(job.worker(), from);
        running.put(job.worker(), new Running(job, workers.submit(from, plan)));
    }

    /** What the arrival leaves for the worker's next job: its kept state and step count, its pace. */
    private void kept(AsyncState.Job job, WorkerReport report) {
        int w = job.worker();
        if (report.rejected() == null) {
            keptJob[w] = job.job();
            stepsTaken[w] = job.firstStep() + report.training().steps();
        }
        double secs = report.timing().secClock();
        if (report.training().steps() > 0 && secs > 0) {
            pace[w] = report.training().steps() / secs;
        }
    }

    /** The next job to arrive: on the virtual clock the earliest planned end (then the lowest worker); else the first done. */
    private Running next() {
        Running first = null;
        double firstEnd = Double.POSITIVE_INFINITY;
        for (Running r : running.values()) {
            AsyncState.Job j = r.job();
            double end = j.startedAt() + j.steps() * pacing.slowdown().factor(j.worker());
            if (end < firstEnd) {
                first = r;
                firstEnd = end;
            }
        }
        return first;
    }

    private Running nextArrival() {
        if (running.isEmpty()) {
            throw new IllegalStateException("asynchronous round with no worker running");
        }
        if (pacing.clock() == ClockKind.VIRTUAL) {
            return next();
        }
        CompletableFuture.anyOf(running.values().stream().map(Running::result).toArray(CompletableFuture[]::new))
                .exceptionally(e -> null).join();
        for (Running r : running.values()) {
            if (r.result().isDone()) {
                return r;
            }
        }
        throw new IllegalStateException("no job done after one completed");
    }

    private static InnerRound result(Running r) {
        try {
            return r.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for worker " + r.job().worker(), e);
        } catch (ExecutionException | CompletionException | CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause.getMessage(), cause);
        }
    }

    private AsyncState snapshot() {
        List<AsyncState.Job> jobs = running.values().stream().map(Running::job).toList();
        List<Double> paces = Arrays.stream(pace).map(p -> Double.isNaN(p) ? 0 : p).boxed().toList();
        return new AsyncState(nextJob, clock, jobs, paces);
    }

    private double wallNow() {
        return (System.nanoTime() - wallStart) / 1e9;
    }
}
