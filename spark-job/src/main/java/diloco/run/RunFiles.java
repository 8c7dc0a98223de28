package diloco.run;

import diloco.Log;
import diloco.LoopEnd;
import diloco.LoopStart;
import diloco.LoopState;
import diloco.RoundEnd;
import diloco.RoundListener;
import diloco.RoundMetrics;
import diloco.model.ModelConfig;
import diloco.model.ParamLayout;
import diloco.report.RunCharts;
import diloco.tokenize.Tokenizer;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BinaryOperator;
import java.util.function.Function;

/**
 * The run's own files in its output directory: metrics.jsonl after every round, the loss and time
 * charts (redrawn at most every {@link #REDRAW_SECONDS}, and at the end), and when the run
 * finishes, the model and the completed run.json.
 */
final class RunFiles implements RoundListener {
    /** Charts are redrawn no more often than this, so thousands of short rounds spend nothing on them. */
    static final double REDRAW_SECONDS = 10;

    private final RunOutput out;
    private final Map<String, Object> runInfo;
    private final ParamLayout layout;
    private final ModelConfig model;
    private final Tokenizer tokenizer;
    private final Map<String, String> modelMetadata;
    private final long started;
    private final Log log;
    private long lastDrawn;

    RunFiles(RunOutput out, Map<String, Object> runInfo, ParamLayout layout, ModelConfig model, Tokenizer tokenizer,
            Map<String, String> modelMetadata, long started, Log log) {
        this.tokenizer = tokenizer;
        this.out = out;
        this.runInfo = runInfo;
        this.layout = layout;
        this.model = model;
        this.modelMetadata = modelMetadata;
        this.started = started;
        this.log = log;
    }

    @Override
    public void onStart(LoopStart start) {
        io(() -> out.restoreMetrics(start.state().metrics())); // a resumed run starts over from the checkpoint's rounds
    }

    @Override
    public void onRoundEnd(RoundEnd end) {
        io(() -> out.appendMetrics(end.metrics()));
        if ((System.nanoTime() - lastDrawn) / 1e9 >= REDRAW_SECONDS) {
            draw(end.state());
        }
    }

    @Override
    public void onEnd(LoopEnd end) {
        if (end.ending() == LoopEnd.Ending.FAILED) {
            return;
        }
        LoopState state = end.state();
        float[] theta = end.theta();
        draw(state);
        if (end.ending() == LoopEnd.Ending.FINISHED) {
            runInfo.put("initial_val_loss", state.initialValLoss());
            runInfo.put("final_val_loss", state.lastValLoss());
            runInfo.put("final_val_ppl", state.lastValLoss() == null ? null : Math.exp(state.lastValLoss()));
            runInfo.put("sec_total", (System.nanoTime() - started) / 1e9);
            runInfo.put("finished_at", Instant.now().toString());
            runInfo.put("mkl_fast_paths_by_executor", byExecutor(state.metrics(), RoundMetrics.WorkerSource::mklFastPaths,
                    Boolean::logicalAnd));
            runInfo.put("matmul_kernels_by_executor", byExecutor(state.metrics(), RoundMetrics.WorkerSource::matmulKernels,
                    (a, b) -> a.equals(b) ? a : "mixed"));
            io(() -> {
                out.writeModel(layout, theta, model, tokenizer, modelMetadata);
                out.writeRunJson(runInfo);
            });
            log.say("done: model and metrics in %s", out.dir());
        }
    }

    /**
     * A native setting of each executor's process, as its workers reported it from their own process
     * (whether it had the MKL fast-paths library, its matmul kernels; run.json's build section is the
     * driver's), merged over the rounds.
     */
    static <T> Map<String, T> byExecutor(List<RoundMetrics> metrics, Function<RoundMetrics.WorkerSource, T> setting,
            BinaryOperator<T> merge) {
        Map<String, T> byExecutor = new TreeMap<>();
        for (RoundMetrics m : metrics) {
            for (RoundMetrics.WorkerSource w : m.stateSource()) {
                if (w.executor() != null && w.steps() > 0) {
                    byExecutor.merge(w.executor(), setting.apply(w), merge);
                }
            }
        }
        return byExecutor;
    }

    private void draw(LoopState state) {
        lastDrawn = System.nanoTime();
        try {
            out.writeFile(RunCharts.LOSS, RunCharts.loss(state.metrics(), state.initialValLoss()));
            out.writeFile(RunCharts.TIME, RunCharts.time(state.metrics()));
        } catch (IOException | RuntimeException e) { // a picture is never worth a failed run
            log.say("warning: could not draw the charts: %s", e);
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void io(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
