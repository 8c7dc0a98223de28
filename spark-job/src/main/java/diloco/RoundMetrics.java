package diloco;

import diloco.exchange.RoundPlan;
import diloco.exchange.StateSource;
import diloco.exchange.WorkerReport;
import diloco.io.Records.Inline;

import java.util.List;

/**
 * One round as metrics.jsonl records it, one line per round; the Estimator's {@code summary()}
 * has the same columns. The groups are for reading the code: in the file their fields stand at the
 * line's top level ({@link Inline}), a component {@code secInnerMax} being the key
 * {@code sec_inner_max} ({@link diloco.io.Records}). Optional values are null where they do not
 * apply (no validation this round, no outer gradient arrived).
 *
 * @param round         the round, from 1
 * @param participation who took part, what became of their outer gradients, how much they trained
 * @param losses        training and validation losses
 * @param rates         learning rates and the outer gradient's size
 * @param timings       where the round's time went
 * @param traffic       bytes sent and received
 * @param stateSource   per worker: where its state came from, where it ran, what happened to its Δ
 */
public record RoundMetrics(int round, @Inline Participation participation, @Inline Losses losses, @Inline Rates rates,
        @Inline Timings timings, @Inline Traffic traffic, List<WorkerSource> stateSource) {

    /**
     * @param workers        workers that took part
     * @param deltasReceived outer gradients averaged into the outer step
     * @param deltasDropped  outer gradients lost (--drop-probability)
     * @param deltasRejected outer gradients excluded (non-finite, over --max-outer-grad-norm, failed task)
     * @param stateReused    workers whose AdamW state was still in their executor's memory
     * @param tokens         tokens trained on this round, all workers
     * @param tokensTotal    tokens trained on since the start of the run
     */
    public record Participation(int workers, int deltasReceived, int deltasDropped, int deltasRejected, int stateReused,
            long tokens, long tokensTotal) {}

    /**
     * @param innerLoss      mean inner training loss over the workers (nats per token; a token is a byte
     *                       with the byte tokenizer)
     * @param valLoss        validation loss after the outer step (nats per token)
     * @param valPpl         validation perplexity, exp(val_loss): per token (per byte with the byte tokenizer)
     * @param valBitsPerByte validation loss in bits per byte of text, val_loss × tokens ÷ bytes ÷ ln 2: comparable
     *                       across tokenizers
     */
    public record Losses(Double innerLoss, Double valLoss, Double valPpl, Double valBitsPerByte) {

        /** {@code tokensPerByte}: of the validation text (1 for the byte tokenizer). */
        public static Losses of(Double innerLoss, Double valLoss, double tokensPerByte) {
            return new Losses(innerLoss, valLoss, valLoss == null ? null : Math.exp(valLoss),
                    valLoss == null ? null : bitsPerByte(valLoss, tokensPerByte));
        }

        /** A loss per token in bits per byte of the text. */
        public static double bitsPerByte(double lossPerToken, double tokensPerByte) {
            return lossPerToken * tokensPerByte / Math.log(2);
        }
    }

    /**
     * @param innerLrEnd    inner learning rate of the round's last step
     * @param outerGradNorm      ‖Δ‖ of the averaged outer gradient
     * @param outerGradAgreement ‖mean Δ‖² ÷ mean ‖Δᵢ‖² over the Δs averaged: 1 when the workers agree,
     *                           about 1/k when their Δs are orthogonal
     * @param outerLr            this round's outer learning rate (--outer-lr-schedule)
     */
    public record Rates(Double innerLrEnd, Double outerGradNorm, Double outerGradAgreement, Double outerLr) {}

    /**
     * @param secBroadcast time to broadcast θ
     * @param secInnerMax  longest worker's inner steps (including sec_state_sync)
     * @param secInnerMean mean worker's inner steps
     * @param secStateSync longest every-round state write
     * @param secAggregate part of the distributed stage with no worker computing (scheduling, transfers, merging)
     * @param secOuter     the outer step
     * @param secEval      validation
     * @param secRound     the whole round
     * @param clock        the run's clock at the end of the round, in seconds from the start ({@code --clock}: on
     *                     the wall clock the rounds' sec_round summed; on the virtual clock the slowest worker's
     *                     steps of each round, summed): what loss is plotted against
     */
    public record Timings(double secBroadcast, double secInnerMax, double secInnerMean, double secStateSync,
            double secAggregate, double secOuter, double secEval, double secRound, double clock) {}

    /**
     * @param bytesUp         bytes of the outer gradients received, as they left the workers (4 × parameters each in
     *                        fp32; less with --outer-grad-dtype bf16/int8)
     * @param bytesUpPartials bytes of the fp32 partial sums that traveled above the first level of the aggregation tree
     * @param bytesDown       θ bytes broadcast (4 × parameters × workers)
     */
    public record Traffic(long bytesUp, long bytesUpPartials, long bytesDown) {}

    /**
     * One worker's part of a round.
     *
     * @param worker   the worker
     * @param source   where its AdamW state came from: memory, checkpoint (disk) or fresh
     * @param round    the round whose end that state reflects; null when fresh
     * @param start    global (from θ) or own (from θᵢ, its previous Δ was lost)
     * @param dropped  its Δ was lost this round
     * @param executor the Spark executor it ran on
     * @param gpu      the GPU address Spark assigned to its task, or null
     * @param device   the PyTorch device it computed on
     * @param threads  the PyTorch intra-op threads it computed with
     * @param mklFastPaths its process had the MKL fast-paths library preloaded (submit.sh does in every mode unless
     *                 DILOCO_MKL_FAST_PATHS=0; it matters on non-Intel CPUs only)
     * @param matmulKernels its process's fp32 matmul kernels on the CPU: onednn or onemkl ({@code --matmul-kernels})
     * @param rejected why its Δ was excluded, or null
     * @param steps    inner steps it took (its H this round)
     * @param weight   its Δ's weight in the merge (1 with --merge mean)
     * @param secInner  seconds of its inner steps (its task's compute, without Spark's part)
     * @param secClock  its inner steps on the run's clock (--clock; on the wall clock, with any simulated slowdown)
     * @param tokensPerSec its pace: tokens it trained on per second of sec_clock (null without steps)
     * @param secIdle   seconds it waited for the round's slowest worker (the longest sec_clock − its own): a
     *                  straggler shows as the one worker near 0 while the others idle; 0 with --sync async
     * @param parts     its task's wall time by part: sec_engine (engine start), sec_checkout (AdamW state),
     *                  sec_upload (θ to the device), sec_steps, sec_delta (Δ back, its norm and encoding),
     *                  sec_commit (the state kept, and written with every-round state files)
     */
    public record WorkerSource(int worker, String source, Integer round, String start, boolean dropped, String executor,
            Integer gpu, String device, int threads, boolean mklFastPaths, String matmulKernels, String rejected, int steps,
            double weight,
            double secInner, double secClock, Double tokensPerSec, Double secIdle, @Inline WorkerReport.Parts parts) {

        static WorkerSource of(WorkerReport w, double secClockMax) {
            StateSource s = w.stateSource();
            WorkerReport.Placement at = w.placement();
            double sec = w.timing().secClock();
            return new WorkerSource(w.worker(), s.label(), s.kind() == StateSource.Kind.FRESH ? null : s.round(),
                    w.outcome().startedFromOwn() ? "own" : "global", w.outcome().dropped(), at.executor(), at.gpu(),
                    at.device(), at.threads(), at.mklFastPaths(), at.matmulKernels(), w.rejected(), w.training().steps(),
                    w.training().weight(),
                    w.timing().secInner(), sec, sec > 0 && w.training().tokens() > 0 ? w.training().tokens() / sec : null,
                    Math.max(0, secClockMax - sec), w.timing().parts());
        }

        /** Its pace in inner steps per second of the run's clock; NaN when unknown. */
        public double stepsPerSec() {
            return steps > 0 && secClock > 0 ? steps / secClock : Double.NaN;
        }
    }

    /** Times measured around a round by the loop. */
    record Clock(double secEval, double secRound) {}

    /** The run's clock at the end of the last round recorded in {@code metrics}; 0 before the first. */
    static double clockAfter(List<RoundMetrics> metrics) {
        return metrics.isEmpty() ? 0 : metrics.get(metrics.size() - 1).timings().clock();
    }

    /**
     * The metrics of round {@code plan.round}: its result, the validation loss after it (null if
     * not validated), and the times measured around it.
     */
    static RoundMetrics of(RoundPlan plan, DiLoCoRound.Result res, long tokensBefore, double clockBefore, int parameters,
            Double valLoss, double tokensPerByte, Clock clock) {
        InnerRound in = res.inner();
        List<WorkerReport> reports = in.reports();
        long tokens = 0;
        double loss = 0;
        int counted = 0;
        double lrEnd = Double.NaN;
        for (WorkerReport w : reports) {
            tokens += w.training().tokens();
            if (Double.isFinite(w.training().meanLoss())) {
                loss += w.training().meanLoss();
                counted++;
            }
            if (Double.isFinite(w.training().lrEnd())) {
                lrEnd = w.training().lrEnd();
            }
        }
        int n = reports.size();
        double onClock = Double.isNaN(res.secVirtual()) ? clock.secRound() : res.secVirtual();
        Timings timings = timings(in, res.secOuter(), clock, clockBefore + onClock);
        return new RoundMetrics(plan.round, participation(in, tokens, tokensBefore),
                Losses.of(counted == 0 ? null : loss / counted, valLoss, tokensPerByte),
                new Rates(finite(lrEnd), finite(res.outerGradNorm()), finite(res.agreement()), finite(res.outerLr())),
                timings, new Traffic(in.bytesUp(), in.bytesUpPartials(), 4L * parameters * n),
                reports.stream().map(w -> WorkerSource.of(w, res.async() != null ? w.timing().secClock() // never waits
                        : in.secClockMax())).toList());
    }

    private static Participation participation(InnerRound in, long tokens, long tokensBefore) {
        int dropped = 0;
        int rejected = 0;
        int reused = 0;
        for (WorkerReport w : in.reports()) {
            dropped += w.outcome().dropped() ? 1 : 0;
            rejected += w.rejected() != null ? 1 : 0;
            reused += w.stateSource().kind() == StateSource.Kind.MEMORY ? 1 : 0;
        }
        return new Participation(in.reports().size(), in.received(), dropped, rejected, reused, tokens,
                tokensBefore + tokens);
    }

    private static Timings timings(InnerRound in, double secOuter, Clock clock, double clockAfter) {
        double max = 0;
        double sum = 0;
        double syncMax = 0;
        for (WorkerReport w : in.reports()) {
            max = Math.max(max, w.timing().secInner());
            sum += w.timing().secInner();
            syncMax = Math.max(syncMax, w.timing().secStateSync());
        }
        int n = in.reports().size();
        return new Timings(in.secBroadcast(), max, n == 0 ? 0 : sum / n, syncMax, in.secAggregate(), secOuter,
                clock.secEval(), clock.secRound(), clockAfter);
    }

    private static Double finite(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
