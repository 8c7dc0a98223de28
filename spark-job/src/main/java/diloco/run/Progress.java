package diloco.run;

import diloco.Log;
import diloco.LoopStart;
import diloco.LoopState;
import diloco.RoundEnd;
import diloco.RoundListener;
import diloco.RoundMetrics;

import java.util.Locale;

/**
 * One line per round (losses, throughput, elapsed time and an estimate of the time left), and one
 * for the initial model.
 */
final class Progress implements RoundListener {
    private final int lastRound;
    private final Log log;
    private long start;
    private int firstRound;

    Progress(int lastRound, Log log) {
        this.lastRound = lastRound;
        this.log = log;
    }

    @Override
    public void onStart(LoopStart begin) {
        LoopState state = begin.state();
        start = System.nanoTime();
        firstRound = state.round() + 1;
        if (state.round() == 0 && state.initialValLoss() != null) {
            log.say("round 0/%d | val loss %.4f ppl %.2f (initial model)", lastRound, state.initialValLoss(),
                    Math.exp(state.initialValLoss()));
        }
    }

    @Override
    public void onRoundEnd(RoundEnd end) {
        RoundMetrics m = end.metrics();
        RoundMetrics.Losses losses = m.losses();
        double elapsed = (System.nanoTime() - start) / 1e9;
        double eta = elapsed / (m.round() - firstRound + 1) * (lastRound - m.round());
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "round %d/%d | inner loss %s", m.round(), lastRound,
                losses.innerLoss() == null ? "n/a" : String.format(Locale.ROOT, "%.4f", losses.innerLoss())));
        if (losses.valLoss() != null) {
            sb.append(String.format(Locale.ROOT, " | val loss %.4f ppl %.2f bits/byte %.4f", losses.valLoss(), losses.valPpl(),
                    losses.valBitsPerByte()));
        }
        sb.append(String.format(Locale.ROOT, " | %,.0f tok/s | elapsed %s | ETA %s",
                m.participation().tokens() / m.timings().secRound(), clock(elapsed), clock(eta)));
        log.line(sb.toString());
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
