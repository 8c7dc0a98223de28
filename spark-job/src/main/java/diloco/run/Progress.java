package diloco.run;

import diloco.LoopState;
import diloco.Log;
import diloco.RoundEnd;
import diloco.RoundListener;
import diloco.RoundMetrics;

import java.util.Locale;

/** One line per round: losses, throughput, elapsed time and an estimate of the time left. */
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
    public void onStart(LoopState state, float[] theta) {
        start = System.nanoTime();
        firstRound = state.round() + 1;
    }

    @Override
    public void onRoundEnd(RoundEnd round, LoopState state) {
        RoundMetrics m = round.metrics();
        double elapsed = (System.nanoTime() - start) / 1e9;
        double eta = elapsed / (m.round() - firstRound + 1) * (lastRound - m.round());
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "round %d/%d | inner loss %s", m.round(), lastRound,
                m.innerLoss() == null ? "n/a" : String.format(Locale.ROOT, "%.4f", m.innerLoss())));
        if (m.valLoss() != null) {
            sb.append(String.format(Locale.ROOT, " | val loss %.4f ppl %.2f", m.valLoss(), m.valPpl()));
        }
        sb.append(String.format(Locale.ROOT, " | %,.0f tok/s | elapsed %s | ETA %s", m.tokens() / m.secRound(),
                clock(elapsed), clock(eta)));
        log.line(sb.toString());
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
