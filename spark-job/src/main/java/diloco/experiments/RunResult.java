package diloco.experiments;

import diloco.io.HadoopFiles;
import diloco.io.Json;
import diloco.run.RunOutput;

import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A finished run as its output directory records it: run.json and metrics.jsonl. */
public final class RunResult {
    public final RunSpec spec;
    public final long seed;
    public final Map<String, Object> run;
    public final List<Map<String, Object>> metrics;

    RunResult(RunSpec spec, long seed, Map<String, Object> run, List<Map<String, Object>> metrics) {
        this.spec = spec;
        this.seed = seed;
        this.run = run;
        this.metrics = metrics;
    }

    /** The run in {@code dir}, or null if it did not finish. */
    static RunResult load(HadoopFiles files, Path dir, RunSpec spec, long seed) throws IOException {
        Path runJson = new Path(dir, RunOutput.RUN_JSON);
        if (!files.fileSystem(runJson).exists(runJson)) {
            return null;
        }
        Map<String, Object> run = Json.parseObject(new String(files.read(runJson), StandardCharsets.UTF_8));
        if (run.get("finished_at") == null) {
            return null;
        }
        List<Map<String, Object>> metrics = new ArrayList<>();
        for (String line : new String(files.read(new Path(dir, RunOutput.METRICS)), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                metrics.add(Json.parseObject(line));
            }
        }
        return new RunResult(spec, seed, run, metrics);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> config() {
        return (Map<String, Object>) run.get("config");
    }

    int intConfig(String key) {
        return ((Number) config().get(key)).intValue();
    }

    long parameters() {
        return ((Number) run.get("parameters")).longValue();
    }

    Double finalValLoss() {
        Object v = run.get("final_val_loss");
        return v == null ? null : ((Number) v).doubleValue();
    }

    /** The last validated round's bits per byte (comparable across tokenizers), or null. */
    Double finalValBitsPerByte() {
        for (int i = metrics.size() - 1; i >= 0; i--) {
            Object v = metrics.get(i).get("val_bits_per_byte");
            if (v != null) {
                return ((Number) v).doubleValue();
            }
        }
        return null;
    }

    double secTotal() {
        return ((Number) run.get("sec_total")).doubleValue();
    }

    long tokens() {
        long t = 0;
        for (Map<String, Object> m : metrics) {
            t += ((Number) m.get("tokens")).longValue();
        }
        return t;
    }

    /** The most inner steps a worker took: as counted in metrics.jsonl, else (older runs) rounds × H. */
    @SuppressWarnings("unchecked")
    long innerStepsPerWorker() {
        Map<Object, Long> perWorker = new java.util.HashMap<>();
        for (Map<String, Object> m : metrics) {
            Object sources = m.get("state_source");
            if (sources instanceof List<?> list) {
                for (Map<String, Object> w : (List<Map<String, Object>>) list) {
                    if (w.get("steps") instanceof Number steps) {
                        perWorker.merge(w.get("worker"), steps.longValue(), Long::sum);
                    }
                }
            }
        }
        return perWorker.isEmpty() ? (long) intConfig("rounds") * intConfig("inner_steps")
                : perWorker.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /** Bytes a row communicates, by its communication model. */
    long bytesCommunicated() {
        switch (spec.communication()) {
            case NONE:
                return 0;
            case DATA_PARALLEL:
                return dataParallelBytes(spec.equivalentWorkers());
            default:
                long b = 0;
                for (Map<String, Object> m : metrics) {
                    b += ((Number) m.get("bytes_up")).longValue() + ((Number) m.get("bytes_down")).longValue();
                }
                return b;
        }
    }

    /**
     * What data parallelism with k workers would send over the same inner steps: every step,
     * each worker's gradient up and the new parameters down (4 bytes each).
     */
    long dataParallelBytes(int k) {
        return innerStepsPerWorker() * k * parameters() * 4 * 2;
    }

    /** Communication relative to data parallelism with this row's own number of workers; 0 alone. */
    double communicationVsDataParallel() {
        long bytes = bytesCommunicated();
        return bytes == 0 ? 0 : (double) bytes / dataParallelBytes(spec.equivalentWorkers());
    }

    /** (inner steps per worker, validation loss) points, with the initial model at step 0. */
    List<double[]> validationCurve() {
        List<double[]> points = new ArrayList<>();
        Object initial = run.get("initial_val_loss");
        if (initial != null) {
            points.add(new double[] {0, ((Number) initial).doubleValue()});
        }
        int h = intConfig("inner_steps");
        for (Map<String, Object> m : metrics) {
            Object v = m.get("val_loss");
            if (v != null) {
                points.add(new double[] {((Number) m.get("round")).doubleValue() * h, ((Number) v).doubleValue()});
            }
        }
        return points;
    }

    /**
     * (x, validation loss) points with x read from each validated round's metrics: {@code "clock"}
     * (the run's clock; virtual seconds with --clock virtual) or {@code "tokens_total"}; the initial
     * model at 0.
     */
    List<double[]> curveBy(String key) {
        List<double[]> points = new ArrayList<>();
        Object initial = run.get("initial_val_loss");
        if (initial != null) {
            points.add(new double[] {0, ((Number) initial).doubleValue()});
        }
        for (Map<String, Object> m : metrics) {
            Object v = m.get("val_loss");
            if (v != null && m.get(key) != null) {
                points.add(new double[] {((Number) m.get(key)).doubleValue(), ((Number) v).doubleValue()});
            }
        }
        return points;
    }

    Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", spec.name());
        m.put("seed", seed);
        m.put("workers", intConfig("workers"));
        m.put("inner_steps", intConfig("inner_steps"));
        m.put("rounds", intConfig("rounds"));
        m.put("batch_size", intConfig("batch_size"));
        m.put("final_val_loss", finalValLoss());
        m.put("final_val_ppl", finalValLoss() == null ? null : Math.exp(finalValLoss()));
        m.put("final_val_bits_per_byte", finalValBitsPerByte());
        m.put("inner_steps_per_worker", innerStepsPerWorker());
        m.put("tokens", tokens());
        m.put("bytes_communicated", bytesCommunicated());
        m.put("communication_vs_data_parallel", communicationVsDataParallel());
        m.put("communication_model", spec.communication().name().toLowerCase(java.util.Locale.ROOT));
        m.put("sec_total", secTotal());
        m.put("validation_curve", validationCurve());
        m.put("clock_curve", curveBy("clock"));
        m.put("tokens_curve", curveBy("tokens_total"));
        m.put("args", spec.args());
        return m;
    }
}
