package diloco;

import diloco.worker.WorkerReport;

import java.util.ArrayList;
import java.util.List;

/**
 * One round as metrics.jsonl records it, one line per round; the Estimator's {@code summary()}
 * has the same columns. Component {@code secInnerMax} is the key {@code sec_inner_max}
 * ({@link diloco.io.Records}). Optional values are null where they do not apply (no validation
 * this round, no outer gradient arrived).
 *
 * @param round           the round, from 1
 * @param workers         workers that took part
 * @param deltasReceived  outer gradients averaged into the outer step
 * @param deltasDropped   outer gradients lost (--drop-probability)
 * @param deltasRejected  outer gradients excluded (non-finite, over --max-outer-grad-norm, failed task)
 * @param tokens          tokens trained on this round, all workers
 * @param tokensTotal     tokens trained on since the start of the run
 * @param innerLoss       mean inner training loss over the workers (nats per byte)
 * @param valLoss         validation loss after the outer step (nats per byte)
 * @param valPpl          validation perplexity per byte, exp(val_loss)
 * @param valBitsPerByte  validation loss in bits per byte
 * @param innerLrEnd      inner learning rate of the round's last step
 * @param outerGradNorm   ‖Δ‖ of the averaged outer gradient
 * @param outerLr         this round's outer learning rate (--outer-lr-schedule)
 * @param secBroadcast    time to broadcast θ
 * @param secInnerMax     longest worker's inner steps (including sec_state_sync)
 * @param secInnerMean    mean worker's inner steps
 * @param secStateSync    longest every-round state write
 * @param secAggregate    part of the distributed stage with no worker computing (scheduling, transfers, merging)
 * @param secOuter        the outer step
 * @param secEval         validation
 * @param secRound        the whole round
 * @param bytesUp         bytes of the outer gradients received, as they left the workers (4 × parameters each in
 *                        fp32; less with --outer-grad-dtype bf16/int8)
 * @param bytesUpPartials bytes of the fp32 partial sums that traveled above the first level of the aggregation tree
 * @param bytesDown       θ bytes broadcast (4 × parameters × workers)
 * @param stateReused     workers whose AdamW state was still in their executor's memory
 * @param stateSource     per worker: where its state came from, and what happened to its Δ
 */
public record RoundMetrics(int round, int workers, int deltasReceived, int deltasDropped, int deltasRejected, long tokens,
        long tokensTotal, Double innerLoss, Double valLoss, Double valPpl, Double valBitsPerByte, Double innerLrEnd,
        Double outerGradNorm, Double outerLr, double secBroadcast, double secInnerMax, double secInnerMean,
        double secStateSync, double secAggregate, double secOuter, double secEval, double secRound, long bytesUp,
        long bytesUpPartials, long bytesDown, int stateReused, List<WorkerSource> stateSource) {

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
     * @param rejected why its Δ was excluded, or null
     * @param secInner seconds of its inner steps (its task's compute, without Spark's part)
     */
    public record WorkerSource(int worker, String source, Integer round, String start, boolean dropped, String executor,
            Integer gpu, String device, int threads, String rejected, double secInner) {

        static WorkerSource of(WorkerReport w) {
            return new WorkerSource(w.worker(), w.stateSource().label(),
                    w.stateSource().kind() == diloco.worker.StateSource.Kind.FRESH ? null : w.stateSource().round(),
                    w.startedFromOwn() ? "own" : "global", w.dropped(), w.executor(), w.gpu(), w.device(), w.threads(), w.rejected(),
                    w.secInner());
        }
    }

    /**
     * The metrics of round {@code plan.round}: its result, the validation loss after it (null if
     * not validated), and timings measured around it.
     */
    public static RoundMetrics of(RoundPlan plan, DiLoCoRound.Result res, long tokensBefore, int parameters, Double valLoss,
            double secEval, double secRound) {
        InnerRound in = res.inner();
        long tokens = 0;
        double loss = 0;
        int counted = 0;
        double innerMax = 0;
        double innerSum = 0;
        double syncMax = 0;
        double lrEnd = Double.NaN;
        int reused = 0;
        int dropped = 0;
        int rejected = 0;
        List<WorkerSource> sources = new ArrayList<>();
        for (WorkerReport w : in.reports()) {
            tokens += w.tokens();
            if (Double.isFinite(w.meanLoss())) {
                loss += w.meanLoss();
                counted++;
            }
            if (Double.isFinite(w.lrEnd())) {
                lrEnd = w.lrEnd();
            }
            innerMax = Math.max(innerMax, w.secInner());
            innerSum += w.secInner();
            syncMax = Math.max(syncMax, w.secStateSync());
            reused += w.stateSource().kind() == diloco.worker.StateSource.Kind.MEMORY ? 1 : 0;
            dropped += w.dropped() ? 1 : 0;
            rejected += w.rejected() != null ? 1 : 0;
            sources.add(WorkerSource.of(w));
        }
        int n = in.reports().size();
        return new RoundMetrics(plan.round, n, in.received(), dropped, rejected, tokens, tokensBefore + tokens,
                counted == 0 ? null : loss / counted, valLoss, valLoss == null ? null : Math.exp(valLoss),
                valLoss == null ? null : valLoss / Math.log(2), finite(lrEnd), finite(res.outerGradNorm()),
                finite(res.outerLr()), in.secBroadcast(), innerMax, n == 0 ? 0 : innerSum / n, syncMax, in.secAggregate(),
                res.secOuter(), secEval, secRound, in.bytesUp(), in.bytesUpPartials(), 4L * parameters * n, reused,
                List.copyOf(sources));
    }

    private static Double finite(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
