package diloco.bench;

import static diloco.config.Options.AGGREGATION_DEPTH;
import static diloco.config.Options.FINAL_COMBINE;
import static diloco.config.Options.OUT;
import static diloco.config.Options.WORKERS;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;

import diloco.cli.Command;
import diloco.cli.CommandLine;
import diloco.cli.Train;
import diloco.config.Options;
import diloco.config.TrainConfig;
import diloco.io.BuildInfo;
import diloco.io.Json;
import diloco.model.Gpt;
import diloco.option.Option;
import diloco.option.UserError;
import diloco.spark.ResourceCheck;
import diloco.spark.SparkWorkerPool;

import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.sql.SparkSession;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Spark's part of a DiLoCo round: runs the training job in this driver (the options after
 * {@code --} are the job's) with a listener on Spark's task metrics and a sampler of the driver's
 * heap, then prints, per round, the time of each part of the round that is not a worker's
 * compute and the bytes that moved, and writes them as JSON. With H = 1 and batch 1 the compute is
 * small and the overhead shows.
 *
 * <pre>
 *   ./submit.sh overhead --report overhead.json -- --preset 60m --context 32 --batch-size 1 \
 *       --inner-steps 1 --rounds 4 --workers 4 --out runs/overhead
 * </pre>
 *
 * Per round: the broadcast of θ (driver), task launch (scheduler delay and task deserialization,
 * slowest worker task), the workers' tasks beyond their inner steps (fetching θ, encoding Δ), the
 * result's serialization and its fetch by the driver, the stage's time with no worker computing
 * ({@code sec_aggregate}), the outer step; bytes up (workers' Δs, partial sums) and down (θ to each
 * executor) and the bytes of results that reach the driver. For the run: the driver's peak heap
 * in use (sampled every 2 ms, garbage included) and its largest heap right after a collection
 * (from the collectors' notifications).
 */
public final class RoundOverhead {
    /** The JSON file the report goes to; the job's own options follow {@code --}. */
    static final Option<String> REPORT = Option.text("report").placeholder("FILE").section("Options")
            .doc("the JSON file to write the report to (required)");

    private RoundOverhead() {}

    static String help() {
        return CommandLine.help("Usage: diloco.bench.RoundOverhead --report FILE -- TRAIN-OPTIONS\n\n"
                + "Runs the training job (TRAIN-OPTIONS, after --: ./submit.sh train --help) in this driver and\n"
                + "reports, per round, the time of each part of the round that is not a worker's compute and the\n"
                + "bytes that moved, with the driver's peak heap.\n", List.of(REPORT));
    }

    public static void main(String[] args) {
        Command.exit(Command.run(args, help(), System.out, System.err, false, sessions -> measure(args)));
    }

    /** Runs the job and reports on it; returns the exit status. */
    static int measure(String[] args) throws Exception {
        int split = Arrays.asList(args).indexOf("--");
        UserError.check(split >= 0, "the training job's options follow -- (see --help)");
        Path report = Path.of(CommandLine.parse(List.of(REPORT), Arrays.copyOfRange(args, 0, split)).required(REPORT));
        String[] train = Arrays.copyOfRange(args, split + 1, args.length);
        TrainConfig cfg = CommandLine.parse(train);
        SparkSession spark = SparkSession.builder().appName("diloco-overhead").getOrCreate();
        TaskLog tasks = new TaskLog();
        spark.sparkContext().addSparkListener(tasks);
        HeapSampler heap = new HeapSampler();
        heap.start();
        int rc = Train.run(train, System.out, System.err, false);
        heap.stopSampling();
        spark.sparkContext().listenerBus().waitUntilEmpty(); // every task's metrics delivered to the listener
        if (rc != 0) {
            spark.stop();
            return rc;
        }
        int parameters = new Gpt(cfg.model()).layout().size();
        boolean onExecutor = ResourceCheck.finalCombineOnExecutor(cfg.get(FINAL_COMBINE), parameters, cfg.get(WORKERS),
                cfg.get(AGGREGATION_DEPTH));
        List<Map<String, Object>> rounds = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(cfg.get(OUT), "metrics.jsonl"))) {
            Map<String, Object> m = Json.parseObject(line);
            rounds.add(row(m, tasks.ofRound(((Number) m.get("round")).intValue())));
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("command", "RoundOverhead " + String.join(" ", args));
        doc.put("date", java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString());
        doc.put("master", spark.sparkContext().master());
        doc.put("machine", BuildInfo.machine());
        doc.put("preset", cfg.get(Options.PRESET));
        doc.put("parameters", parameters);
        doc.put("delta_mib", 4.0 * parameters / (1 << 20));
        doc.put("workers", cfg.get(WORKERS));
        doc.put("aggregation_depth", cfg.get(AGGREGATION_DEPTH));
        doc.put("final_combine_on_executor", onExecutor);
        doc.put("driver_heap_max_mib", Runtime.getRuntime().maxMemory() / (1 << 20));
        doc.put("driver_heap_peak_mib", heap.peakUsed / (1 << 20));
        doc.put("driver_heap_after_gc_peak_mib", heap.peakAfterGc.get() / (1 << 20));
        doc.put("rounds", rounds);
        Files.writeString(report, Json.pretty(doc));
        print(doc, rounds);
        spark.stop();
        return 0;
    }

    /** One round: the job's metrics line and Spark's view of the tasks of that round's job. */
    private static Map<String, Object> row(Map<String, Object> m, List<Task> tasks) {
        Map<Integer, Double> inner = new LinkedHashMap<>();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> sources = (List<Map<String, Object>>) m.get("state_source");
        for (Map<String, Object> s : sources) {
            inner.put(((Number) s.get("worker")).intValue(), ((Number) s.get("sec_inner")).doubleValue());
        }
        int first = tasks.stream().mapToInt(t -> t.stage).min().orElse(-1);
        int last = tasks.stream().mapToInt(t -> t.stage).max().orElse(-1);
        double launch = 0;
        double beyondInner = 0;
        double result = 0;
        long atDriver = 0;
        int resultsAtDriver = 0;
        for (Task t : tasks) {
            if (t.stage == first) {
                launch = Math.max(launch, (t.schedulerDelayMs + t.deserializeMs) / 1000.0);
                beyondInner = Math.max(beyondInner, t.runMs / 1000.0 - inner.getOrDefault(t.index, 0.0));
            }
            if (t.stage == last) {
                result = Math.max(result, (t.resultSerializationMs + t.gettingResultMs) / 1000.0);
                atDriver += t.resultSize;
                resultsAtDriver++;
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("round", m.get("round"));
        r.put("sec_round", m.get("sec_round"));
        r.put("sec_inner_max", m.get("sec_inner_max"));
        r.put("sec_broadcast", m.get("sec_broadcast"));
        r.put("sec_task_launch", launch);
        r.put("sec_task_beyond_inner", Math.max(0, beyondInner));
        r.put("sec_result_serialize_fetch", result);
        r.put("sec_aggregate", m.get("sec_aggregate"));
        r.put("sec_outer", m.get("sec_outer"));
        r.put("stages", last - first + 1);
        r.put("bytes_up", m.get("bytes_up"));
        r.put("bytes_up_partials", m.get("bytes_up_partials"));
        r.put("bytes_down", m.get("bytes_down"));
        r.put("results_at_driver", resultsAtDriver);
        r.put("bytes_at_driver", atDriver);
        return r;
    }

    private static void print(Map<String, Object> doc, List<Map<String, Object>> rounds) {
        System.out.printf(Locale.ROOT, "%n%s: %,d parameters (Δ %.0f MiB), k=%s, depth %s, last sum on %s; driver heap "
                        + "peak %s MiB in use, %s MiB after GC, of %s MiB%n", doc.get("preset"), doc.get("parameters"),
                doc.get("delta_mib"), doc.get("workers"), doc.get("aggregation_depth"),
                Boolean.TRUE.equals(doc.get("final_combine_on_executor")) ? "an executor" : "the driver",
                doc.get("driver_heap_peak_mib"), doc.get("driver_heap_after_gc_peak_mib"), doc.get("driver_heap_max_mib"));
        System.out.printf(Locale.ROOT, "%5s %8s %8s %9s %8s %8s %9s %9s %7s %10s %10s %10s %9s%n", "round", "round s",
                "inner s", "broadcast", "launch", "fetch+enc", "result", "aggregate", "outer", "MiB up", "MiB parts",
                "MiB down", "at driver");
        for (Map<String, Object> r : rounds) {
            System.out.printf(Locale.ROOT, "%5s %8.2f %8.2f %9.3f %8.3f %8.3f %9.3f %9.3f %7.3f %10.1f %10.1f %10.1f %9d%n",
                    r.get("round"), num(r, "sec_round"), num(r, "sec_inner_max"), num(r, "sec_broadcast"),
                    num(r, "sec_task_launch"), num(r, "sec_task_beyond_inner"), num(r, "sec_result_serialize_fetch"),
                    num(r, "sec_aggregate"), num(r, "sec_outer"), num(r, "bytes_up") / 1048576,
                    num(r, "bytes_up_partials") / 1048576, num(r, "bytes_down") / 1048576,
                    ((Number) r.get("results_at_driver")).intValue());
        }
    }

    private static double num(Map<String, Object> r, String key) {
        return ((Number) r.get(key)).doubleValue();
    }

    /** What Spark measured of one finished task. */
    record Task(int stage, int index, long deserializeMs, long runMs, long resultSerializationMs, long gettingResultMs,
            long schedulerDelayMs, long resultSize) {}

    /** Spark's task metrics by round, from each round's job tag ({@link SparkWorkerPool#isRoundTag}). */
    static final class TaskLog extends SparkListener {
        private final Map<Integer, String> tagsOfStage = new ConcurrentHashMap<>();
        private final Map<String, List<Task>> tasks = new ConcurrentHashMap<>();

        @Override
        public void onJobStart(SparkListenerJobStart job) {
            String tags = job.properties() == null ? null : job.properties().getProperty("spark.job.tags");
            if (tags != null) {
                scala.collection.Iterator<Object> ids = job.stageIds().iterator();
                while (ids.hasNext()) {
                    tagsOfStage.put((Integer) ids.next(), tags);
                }
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            String tags = tagsOfStage.get(end.stageId());
            TaskMetrics m = end.taskMetrics();
            if (tags == null || m == null) {
                return;
            }
            TaskInfo info = end.taskInfo();
            long duration = info.finishTime() - info.launchTime();
            long gettingResult = info.gettingResultTime() > 0 ? info.finishTime() - info.gettingResultTime() : 0;
            // as the Spark UI computes it: the task's time that is neither run, (de)serialization nor result fetch
            long delay = Math.max(0, duration - m.executorRunTime() - m.executorDeserializeTime()
                    - m.resultSerializationTime() - gettingResult);
            tasks.computeIfAbsent(tags, g -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(new Task(end.stageId(), info.index(), m.executorDeserializeTime(), m.executorRunTime(),
                            m.resultSerializationTime(), gettingResult, delay, m.resultSize()));
        }

        /** The tasks of the jobs tagged as round {@code round}'s. */
        List<Task> ofRound(int round) {
            List<Task> out = new ArrayList<>();
            tasks.forEach((tags, list) -> {
                if (java.util.Arrays.stream(tags.split(",")).anyMatch(t -> SparkWorkerPool.isRoundTag(t, round))) {
                    out.addAll(list);
                }
            });
            return out;
        }
    }

    /**
     * The driver's heap in use, sampled every 2 ms (garbage included), and right after each
     * collection, from the collectors' notifications (what the collection left: the live objects
     * plus old-generation garbage a young collection does not visit; an upper bound on the live
     * heap at that moment).
     */
    static final class HeapSampler extends Thread {
        volatile boolean running = true;
        volatile long peakUsed;
        final AtomicLong peakAfterGc = new AtomicLong();
        private final List<NotificationEmitter> emitters = new ArrayList<>();
        private final NotificationListener afterGc = (notification, handback) -> {
            if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                GcInfo info = GarbageCollectionNotificationInfo
                        .from((CompositeData) notification.getUserData()).getGcInfo();
                long used = 0;
                for (Map.Entry<String, MemoryUsage> pool : info.getMemoryUsageAfterGc().entrySet()) {
                    if (HEAP_POOLS.contains(pool.getKey())) {
                        used += pool.getValue().getUsed();
                    }
                }
                peakAfterGc.accumulateAndGet(used, Math::max);
            }
        };
        private static final Set<String> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName)
                .collect(Collectors.toSet());

        HeapSampler() {
            super("diloco-heap-sampler");
            setDaemon(true);
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter emitter) {
                    emitter.addNotificationListener(afterGc, null, null);
                    emitters.add(emitter);
                }
            }
        }

        @Override
        public void run() {
            List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP).toList();
            while (running) {
                long used = 0;
                for (MemoryPoolMXBean p : pools) {
                    used += p.getUsage().getUsed();
                }
                peakUsed = Math.max(peakUsed, used);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stopSampling() throws InterruptedException {
            running = false;
            join();
            for (NotificationEmitter emitter : emitters) {
                try {
                    emitter.removeNotificationListener(afterGc);
                } catch (ListenerNotFoundException e) {
                    // already gone: nothing to undo
                }
            }
        }
    }
}
