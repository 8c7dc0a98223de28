package diloco.run;

import diloco.Log;
import diloco.RoundEnd;
import diloco.RoundListener;
import diloco.engine.MatmulKernels;
import diloco.exchange.WorkerReport;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where each worker runs: a line when a worker's executor, Spark GPU or device is first seen or
 * changes (a lost executor, a resumed run), and once each note on a GPU that could not be used.
 */
final class Placement implements RoundListener {
    private final Log log;
    private final Map<Integer, String> seen = new HashMap<>();
    private final Set<String> notes = new HashSet<>();

    Placement(Log log) {
        this.log = log;
    }

    @Override
    public void onRoundEnd(RoundEnd end) {
        for (WorkerReport w : end.result().inner().reports()) {
            WorkerReport.Placement at = w.placement();
            if (w.rejected() != null && at.host() == null) {
                continue; // gave up before running anywhere
            }
            String where = String.format(Locale.ROOT, "executor %s%s, device %s, %d thread%s", at.executor(),
                    at.gpu() == null ? "" : ", Spark GPU " + at.gpu(), at.device(), at.threads(), at.threads() == 1 ? "" : "s")
                    + (at.mklFastPaths() ? ", MKL fast paths" : "")
                    + (MatmulKernels.ONEDNN_NAME.equals(at.matmulKernels()) ? ", oneDNN matmuls" : "");
            if (!Objects.equals(seen.put(w.worker(), where), where)) {
                log.say("worker %d: %s (round %d)", w.worker(), where, w.round());
            }
            if (at.deviceNote() != null && notes.add(at.deviceNote())) {
                log.say("warning: %s", at.deviceNote());
            }
        }
    }
}
