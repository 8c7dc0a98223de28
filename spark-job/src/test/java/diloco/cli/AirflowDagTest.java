package diloco.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.cli.TrainCliTest.Outcome;
import diloco.config.DataOptions;
import diloco.config.ModelOptions;
import diloco.config.Options;
import diloco.config.OptionsFile;
import diloco.config.TrainConfig;
import diloco.io.Json;
import diloco.option.Option;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The Airflow DAG (deploy/airflow/diloco_dag.py) kept true without Airflow, which cannot be
 * installed here: deploy/airflow/check_dag.py reads it with Python's ast module and prints each
 * task's keyword arguments with the templates rendered for one date, and this test holds those
 * arguments to the job's own parsers, and the training task's to the job's own checks
 * ({@code --validate-only}): a renamed option, a bad value, a lost {@code --resume-if-present} or
 * a wrong task order fails here, not on the first night in production. check_dag.py also refuses
 * a Variable read when the file is parsed, a task without an execution_timeout and an argument
 * SparkSubmitOperator does not take; copies of the DAG with each mistake put back show it does.
 * The training options are in deploy/airflow/diloco-train.properties, which validate and train
 * read through {@code --config} (the Variable diloco_config): the tests point that Variable at the
 * committed file, so the job's own checks run on the file a deployment copies.
 */
class AirflowDagTest {
    static final String DATE = "2024-05-01";
    static final Path DAG = Path.of("..", "deploy", "airflow", "diloco_dag.py");
    static final Path CHECKER = Path.of("..", "deploy", "airflow", "check_dag.py");
    /** The committed training options, which a deployment copies to the Variable diloco_config's path. */
    static final Path OPTIONS = Path.of("..", "deploy", "airflow", "diloco-train.properties").toAbsolutePath().normalize();

    @TempDir
    static Path tmp;
    static Path corpus;

    @BeforeAll
    static void data() throws IOException {
        corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
    }

    /** One task as check_dag.py read it: operator keyword arguments, DAG default_args beneath them. */
    record Task(String id, Map<String, Object> kwargs) {
        String javaClass() {
            return (String) kwargs.get("java_class");
        }

        @SuppressWarnings("unchecked")
        String[] args() {
            return ((List<String>) kwargs.get("application_args")).toArray(new String[0]);
        }

        @SuppressWarnings("unchecked")
        Map<String, String> conf() {
            return (Map<String, String>) kwargs.get("conf");
        }

        int number(String key) {
            assertNotNull(kwargs.get(key), id + " has no " + key);
            return ((Number) kwargs.get(key)).intValue();
        }
    }

    /** check_dag.py's exit status, standard output and standard error. */
    record Checked(int status, String out, String err) {}

    /**
     * check_dag.py on {@code dag} with {@code variables} set as Airflow's environment backend reads
     * them, and {@code constants} given other values ({@code --set NAME=VALUE}, as editing the file would).
     */
    static Checked check(Path dag, Map<String, String> variables, String... constants) throws IOException, InterruptedException {
        Path errors = Files.createTempFile(tmp, "check-dag", ".err");
        List<String> command = new ArrayList<>(List.of(python3(), CHECKER.toString(), dag.toString(), DATE));
        for (String c : constants) {
            command.addAll(List.of("--set", c));
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(errors.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("AIRFLOW_VAR_")); // only this test's Variables
        variables.forEach((k, v) -> pb.environment().put("AIRFLOW_VAR_" + k.toUpperCase(Locale.ROOT), v));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "check_dag.py finishes");
        return new Checked(p.exitValue(), out, Files.readString(errors));
    }

    /**
     * The DAG as check_dag.py reads it (see {@link #check}); fails unless it reads it. The Variable
     * diloco_config is the committed options file unless {@code variables} sets it.
     */
    static Map<String, Object> read(Map<String, String> variables, String... constants) throws IOException, InterruptedException {
        Map<String, String> withConfig = new java.util.HashMap<>(variables);
        withConfig.putIfAbsent("diloco_config", OPTIONS.toString());
        Checked c = check(DAG, withConfig, constants);
        assertEquals(0, c.status(), "check_dag.py: " + c.err());
        return Json.parseObject(c.out());
    }

    /** A copy of the DAG file with one line replaced, which must be there: a mistake put back. */
    static Path dagWith(String line, String replacement) throws IOException {
        String text = Files.readString(DAG);
        assertTrue(text.contains(line + "\n"), "the DAG has the line " + line);
        Path copy = Files.createTempFile(tmp, "dag", ".py");
        Files.writeString(copy, text.replace(line + "\n", replacement + "\n"));
        return copy;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Task> tasks(Map<String, Object> dag) {
        Map<String, Task> byId = new java.util.LinkedHashMap<>();
        for (Map<String, Object> t : (List<Map<String, Object>>) dag.get("tasks")) {
            assertEquals("SparkSubmitOperator", t.get("operator"));
            byId.put((String) t.get("task_id"), new Task((String) t.get("task_id"), (Map<String, Object>) t.get("kwargs")));
        }
        return byId;
    }

    static String python3() {
        for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
            Path p = Path.of(dir, "python3");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError("python3 is not on PATH; AirflowDagTest reads the DAG with it");
    }

    /** The value after {@code flag} in a command line (the last, as the job's parser takes it). */
    static String value(String[] args, String flag) {
        String v = null;
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(flag)) {
                v = args[i + 1];
            }
        }
        assertNotNull(v, flag + " in " + String.join(" ", args));
        return v;
    }

    @Test
    void trainAndEvaluateTakeTheJobsOwnOptions() throws Exception {
        Map<String, Object> dag = read(Map.of());
        Map<String, Task> tasks = tasks(dag);
        assertEquals(List.of("prepare", "validate", "train", "evaluate"), List.copyOf(tasks.keySet()));
        assertEquals(List.of(List.of("prepare", "validate"), List.of("validate", "train"), List.of("train", "evaluate")),
                dag.get("order"), "the run is checked on the prepared data, trained only then, and evaluated after");

        Task train = tasks.get("train");
        assertEquals(Train.class.getName(), train.javaClass());
        TrainConfig cfg = CommandLine.parse(train.args()); // throws UserError on any option the job does not take
        assertTrue(cfg.get(Options.RESUME_IF_PRESENT), "a retried attempt continues from its checkpoint");
        assertTrue(cfg.get(Options.OUT).endsWith("/" + DATE), "a dated --out: " + cfg.get(Options.OUT));
        assertFalse(cfg.get(Options.VALIDATE_ONLY));
        assertEquals(train.number("num_executors"), cfg.get(Options.WORKERS), "one DiLoCo worker per executor");

        Task evaluate = tasks.get("evaluate");
        assertEquals(Evaluate.class.getName(), evaluate.javaClass());
        CommandLine.Values v = CommandLine.parse(ModelOptions.evaluate(), evaluate.args());
        assertEquals(cfg.get(Options.OUT), v.required(ModelOptions.MODEL), "evaluate scores the model train wrote");
        assertEquals(cfg.get(Options.OUT) + "/evaluation", v.get(ModelOptions.EVAL_OUT));
        assertNotEquals(cfg.get(Options.DATA), v.required(ModelOptions.EVAL_DATA), "held-out text, not the training data");

        Task prepare = tasks.get("prepare");
        assertEquals(Prepare.class.getName(), prepare.javaClass());
        CommandLine.Values p = CommandLine.parse(DataOptions.prepare(), prepare.args());
        assertEquals(cfg.get(Options.DATA), p.required(DataOptions.PREPARE_OUT), "train reads what prepare wrote");
        assertTrue(p.get(DataOptions.SKIP_EXISTING), "a prepared dataset is prepared once");
        assertTrue(p.get(DataOptions.PIECES) >= cfg.get(Options.WORKERS), "a piece for each worker at least");

        for (Task t : tasks.values()) {
            if (!t.id().equals("validate")) {
                assertTrue(t.number("retries") >= 1, t.id() + " retries");
                assertTrue(t.number("retry_delay") > 0, t.id() + " waits before a retry");
            }
            assertTrue(t.number("execution_timeout") > 0, t.id() + ": a hung attempt ends");
            assertTrue(t.number("execution_timeout") < 24 * 3600, t.id() + ": within the day of a daily run");
            // YARN, the default: tracked through the ResourceManager, which Airflow 3.3's durable execution needs
            assertEquals(Boolean.TRUE, t.kwargs().get("yarn_track_via_rm_api"), t.id());
            assertEquals("1", t.conf().get("spark.yarn.maxAppAttempts"), t.id() + ": Airflow retries, not YARN");
            assertTrue(t.conf().keySet().stream().noneMatch(k -> k.startsWith("spark.kubernetes.")), t.id());
            assertTrue(((String) t.kwargs().get("application")).endsWith(".jar"), t.id() + ": the application jar");
            Map<String, String> conf = t.conf();
            assertEquals(String.valueOf(t.number("executor_cores")), conf.get("spark.task.cpus"),
                    t.id() + ": one task, so one worker, per executor");
            assertEquals("false", conf.get("spark.speculation"), t.id());
            assertNotNull(conf.get("spark.executor.memoryOverhead"), t.id() + ": room for PyTorch's native memory");
            assertTrue(conf.get("spark.driver.extraJavaOptions").contains("-Dai.djl.offline=true"), t.id());
            assertTrue(conf.get("spark.executor.extraJavaOptions").contains("-Dai.djl.offline=true"), t.id());
            assertTrue(conf.keySet().stream().noneMatch(k -> k.contains(".resource.gpu.")), t.id() + ": no GPUs by default");
        }
    }

    /** The validate task is the training command as it stands plus {@code --validate-only}, on the same cluster settings. */
    @Test
    void validateChecksTrainsOwnCommandBeforeTrain() throws Exception {
        Map<String, Task> tasks = tasks(read(Map.of()));
        Task train = tasks.get("train");
        Task validate = tasks.get("validate");
        List<String> expected = new ArrayList<>(List.of(train.args()));
        expected.add("--validate-only");
        assertEquals(expected, List.of(validate.args()), "train's arguments plus --validate-only");
        assertEquals(Train.class.getName(), validate.javaClass());
        assertTrue(CommandLine.parse(validate.args()).get(Options.VALIDATE_ONLY));
        assertEquals(0, validate.number("retries"), "bad input fails every attempt alike");
        assertTrue(validate.number("execution_timeout") < train.number("execution_timeout"), "checks only");
        Map<String, Object> rest = new java.util.HashMap<>(validate.kwargs());
        Map<String, Object> trainRest = new java.util.HashMap<>(train.kwargs());
        for (String own : List.of("task_id", "name", "application_args", "retries", "execution_timeout")) {
            rest.remove(own);
            trainRest.remove(own);
        }
        assertEquals(trainRest, rest, "the same jar, connection, conf and sizes: the session settings validate checks are train's");
    }

    /** The committed options file as java.util.Properties reads it (the job's OptionsFile does the same). */
    static Properties optionsFile() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(OPTIONS, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return p;
    }

    /** How often {@code flag} is given in a command line, as {@code --flag value} or {@code --flag=value}. */
    static long count(String[] args, String flag) {
        return List.of(args).stream().filter(a -> a.equals(flag) || a.startsWith(flag + "=")).count();
    }

    /**
     * validate and train take their training options from one file, --config from the Variable
     * diloco_config (read in a template; an hdfs:/// default): both the same path, so validate
     * checks what train runs. The options moved into the file are no longer on either command line
     * (where they would win over the file); what stays there is per run (--data, --out,
     * --resume-if-present, validate's --validate-only) or the DAG's size (--workers, one per executor).
     * Every name in the committed file is one of the job's options, and the train command resolves
     * each to the file's value, as run.json records it: the daily run trains as it did when the DAG
     * spelt them inline.
     */
    @Test
    void validateAndTrainReadTheirOptionsFromOneFile() throws Exception {
        Map<String, Task> defaults = tasks(Json.parseObject(check(DAG, Map.of()).out()));
        for (String id : List.of("validate", "train")) {
            assertEquals("hdfs:///apps/diloco/diloco-train.properties", value(defaults.get(id).args(), "--config"),
                    id + ": the default path, for a deployment that copies the file there");
        }

        Map<String, Task> tasks = tasks(read(Map.of()));
        Task train = tasks.get("train");
        Task validate = tasks.get("validate");
        Properties file = optionsFile();
        Set<String> keys = file.stringPropertyNames();
        assertTrue(keys.containsAll(List.of("preset", "inner-steps", "rounds", "batch-size", "checkpoint-every",
                "keep-checkpoints")), "the training options the DAG spelt inline: " + keys);
        for (String perRun : List.of("data", "out", "resume-if-present", "validate-only", "workers", "config")) {
            assertFalse(keys.contains(perRun), perRun + " is given on the DAG's command line, which would win over the file");
        }
        for (Task t : List.of(validate, train)) {
            assertEquals(1, count(t.args(), "--config"), t.id() + ": one options file");
            assertEquals(OPTIONS.toString(), value(t.args(), "--config"), t.id() + ": the file diloco_config names");
            for (String key : keys) {
                assertEquals(0, count(t.args(), "--" + key), t.id() + " spells --" + key + ", which the file holds");
            }
        }

        TrainConfig cfg = CommandLine.parse(train.args());
        Map<String, Object> record = cfg.toRecord(); // run.json's config
        Map<Option<?>, String> options = OptionsFile.read(new org.apache.hadoop.conf.Configuration(), OPTIONS.toString());
        assertEquals(keys.size(), options.size(), "every name in the file is one of the job's options");
        options.forEach((o, text) -> {
            assertEquals(o.parse(text), cfg.get(o), o.flag() + ": train runs with the file's value");
            assertTrue(record.containsKey(o.recordKey()), o.flag() + " is recorded in run.json");
        });
        assertEquals("60m", cfg.get(Options.PRESET));
        assertEquals(500, cfg.get(Options.INNER_STEPS));
        assertEquals(64, cfg.get(Options.ROUNDS));
        assertEquals(4, cfg.get(Options.BATCH_SIZE));
        assertEquals(4, cfg.get(Options.CHECKPOINT_EVERY), "a retry repeats at most 4 rounds");
        assertEquals(2, cfg.get(Options.KEEP_CHECKPOINTS));
        assertEquals(train.number("num_executors"), cfg.get(Options.WORKERS), "one DiLoCo worker per executor");
        // the DAG's executors fit the file's workload, as the job checks them on YARN before its first round:
        // every worker at once, no dynamic allocation, the activations within the memory overhead
        org.apache.spark.SparkConf conf = new org.apache.spark.SparkConf(false);
        train.conf().forEach(conf::set);
        conf.set("spark.executor.instances", String.valueOf(train.number("num_executors")));
        conf.set("spark.executor.cores", String.valueOf(train.number("executor_cores")));
        conf.set("spark.executor.memory", (String) train.kwargs().get("executor_memory"));
        List<String> warnings = new ArrayList<>();
        TrainConfig sized = cfg.withVocabulary(256); // the byte tokenizer, the DAG's default
        diloco.spark.ResourceCheck.checkCluster(conf.set("spark.master", "yarn"), sized.with(Options.STRICT_RESOURCES, true)
                .sizing(new diloco.model.Gpt(sized.model()).layout().size()), warnings::add);
        assertEquals(List.of(), warnings);
    }

    /**
     * The rendered validate command, run for real with the committed options file: it passes (so the
     * job accepts every name and value in it), and it fails, exit 2 with one line, on a copy with a
     * misspelt name or on a diloco_config path that holds no file, before train would take the cluster.
     */
    @Test
    void renderedValidateCommandChecksTheOptionsFile() throws Exception {
        Map<String, String> variables = Map.of("diloco_dataset", corpus.toString(), "diloco_runs", tmp.resolve("runs-c").toString(),
                "diloco_config", OPTIONS.toString());
        Outcome valid = TrainCliTest.run(tiny(tasks(read(variables)).get("validate").args()));
        assertEquals(0, valid.status, valid.err);
        assertTrue(valid.out.contains("[diloco] valid: "), valid.out);

        Path misspelt = tmp.resolve("misspelt.properties");
        Files.writeString(misspelt, Files.readString(OPTIONS) + "inner-stepz 50\n");
        Map<String, String> bad = new java.util.HashMap<>(variables);
        bad.put("diloco_config", misspelt.toString());
        Outcome unknown = TrainCliTest.run(tiny(tasks(read(bad)).get("validate").args()));
        assertEquals(2, unknown.status, unknown.out);
        assertTrue(unknown.err.contains("unknown option 'inner-stepz' in --config " + misspelt), unknown.err);

        bad.put("diloco_config", tmp.resolve("not-copied.properties").toString());
        Outcome missing = TrainCliTest.run(tiny(tasks(read(bad)).get("validate").args()));
        assertEquals(2, missing.status, missing.out);
        assertTrue(missing.err.contains("cannot read --config " + tmp.resolve("not-copied.properties")), missing.err);
        assertFalse(Files.exists(tmp.resolve("runs-c").resolve(DATE)), "validate writes nothing");
    }

    /** On the training data validate's rendered command passes; pointed at a directory that does not exist, it fails at once. */
    @Test
    void renderedValidateCommandPassesOnGoodDataAndFailsOnMissingData() throws Exception {
        Map<String, String> variables = Map.of("diloco_dataset", corpus.toString(), "diloco_runs", tmp.resolve("runs-v").toString());
        String[] command = tiny(tasks(read(variables)).get("validate").args());
        assertTrue(CommandLine.parse(command).get(Options.VALIDATE_ONLY), "a check: without --validate-only this would train");
        Outcome valid = TrainCliTest.run(command);
        assertEquals(0, valid.status, valid.err);
        assertTrue(valid.out.contains("[diloco] valid: "), valid.out);
        assertFalse(Files.exists(tmp.resolve("runs-v").resolve(DATE)), "validate writes nothing");

        Path missing = tmp.resolve("no-such-dataset");
        Outcome invalid = TrainCliTest.run(tiny(tasks(read(Map.of("diloco_dataset", missing.toString(),
                "diloco_runs", tmp.resolve("runs-v").toString()))).get("validate").args()));
        assertEquals(2, invalid.status, invalid.out);
        assertTrue(invalid.err.contains("diloco: error:") && invalid.err.contains(missing.toString()), invalid.err);
    }

    @Test
    void gpuConstantGivesEachExecutorAndTaskOneGpu() throws Exception {
        for (Task t : tasks(read(Map.of("diloco_gpu_discovery_script", "hdfs:///x/discover.sh"), "GPUS=True")).values()) {
            Map<String, String> conf = t.conf();
            assertEquals("1", conf.get("spark.executor.resource.gpu.amount"), t.id());
            assertEquals("1", conf.get("spark.task.resource.gpu.amount"), t.id());
            String script = conf.get("spark.executor.resource.gpu.discoveryScript");
            assertEquals("./getGpusResources.sh", script, t.id() + ": in the container's working directory");
            assertEquals("hdfs:///x/discover.sh#getGpusResources.sh", t.kwargs().get("files"),
                    t.id() + ": the Variable's script is shipped to the executors under the name conf gives");
        }
        assertNull(tasks(read(Map.of())).get("train").kwargs().get("files"));
    }

    /** ON_KUBERNETES: the image from the Variable diloco_image in every task's conf, nothing of YARN's. */
    @Test
    void kubernetesVariantSetsTheContainerImage() throws Exception {
        String image = "registry.example/diloco:1.2";
        for (Task t : tasks(read(Map.of("diloco_image", image), "ON_KUBERNETES=True")).values()) {
            Map<String, String> conf = t.conf();
            assertEquals(image, conf.get("spark.kubernetes.container.image"), t.id());
            assertNull(t.kwargs().get("yarn_track_via_rm_api"), t.id() + ": the provider's hook refuses it off YARN");
            assertTrue(conf.keySet().stream().noneMatch(k -> k.startsWith("spark.yarn.")), t.id());
            assertTrue(conf.keySet().stream().noneMatch(k -> k.contains(".resource.gpu.")), t.id() + ": no GPUs by default");
            assertTrue(t.number("execution_timeout") > 0, t.id());
        }

        for (Task t : tasks(read(Map.of("diloco_image", image), "ON_KUBERNETES=True", "GPUS=True")).values()) {
            Map<String, String> conf = t.conf();
            assertEquals("nvidia.com", conf.get("spark.executor.resource.gpu.vendor"), t.id() + ": the pods request nvidia.com/gpu");
            assertTrue(conf.get("spark.executor.resource.gpu.discoveryScript").startsWith("/"),
                    t.id() + ": a path in the image; the script runs before --files would arrive");
            assertNull(t.kwargs().get("files"), t.id());
        }

        Checked noImage = check(DAG, Map.of(), "ON_KUBERNETES=True");
        assertEquals(2, noImage.status(), "a Kubernetes run without an image fails before spark-submit");
        assertTrue(noImage.err().contains("diloco_image"), noImage.err());
    }

    /**
     * Nothing reads a Variable when the file is parsed (check_dag.py found none, or {@link #read}
     * would have failed), and check_dag.py does refuse the mistakes it is there for: the
     * parse-time Variable.get this DAG once had, a task without its execution_timeout, and a
     * misspelt operator argument.
     */
    @Test
    void checkerRefusesParseTimeVariablesMissingTimeoutsAndUnknownArguments() throws Exception {
        assertEquals(0, check(DAG, Map.of()).status());

        Checked parseTime = check(dagWith("GPUS = False  # True: one GPU per executor and per task",
                "GPUS = Variable.get(\"diloco_gpus\", \"0\") == \"1\""), Map.of());
        assertEquals(2, parseTime.status(), parseTime.out());
        assertTrue(parseTime.err().contains("Variable used when the file is parsed"), parseTime.err());

        Checked noTimeout = check(dagWith("        execution_timeout=VALIDATE_TIMEOUT,", ""), Map.of());
        assertEquals(2, noTimeout.status(), noTimeout.out());
        assertTrue(noTimeout.err().contains("validate has no execution_timeout"), noTimeout.err());

        Checked misspelt = check(dagWith("        java_class=\"diloco.cli.Evaluate\",", "        main_class=\"diloco.cli.Evaluate\","),
                Map.of());
        assertEquals(2, misspelt.status(), misspelt.out());
        assertTrue(misspelt.err().contains("SparkSubmitOperator takes no argument main_class"), misspelt.err());

        Checked unknownConstant = check(DAG, Map.of(), "KUBERNETES=True");
        assertEquals(2, unknownConstant.status(), "a renamed constant is not silently ignored");
    }

    /**
     * The rendered prepare command runs (on the test corpus, through the DAG's Variables), a second
     * run finds the dataset and does nothing, and the rendered training command validates on it.
     */
    @Test
    void renderedPrepareRunsOnceAndTrainValidatesOnItsDataset() throws Exception {
        Path dataset = tmp.resolve("prepared");
        Map<String, Object> dag = read(Map.of("diloco_data", corpus.toString(), "diloco_dataset", dataset.toString(),
                "diloco_runs", tmp.resolve("runs-p").toString()));
        Map<String, Task> tasks = tasks(dag);
        List<String> prepare = new ArrayList<>(List.of(tasks.get("prepare").args()));
        prepare.addAll(List.of("--pieces", "4")); // the test corpus has 25 documents, not enough for 64 pieces
        ModelCommandsTest.Outcome first = ModelCommandsTest.outcome(out -> Prepare.run(prepare.toArray(new String[0]),
                out, out, false));
        assertEquals(0, first.status(), first.text());
        assertTrue(Files.exists(dataset.resolve("manifest.json")));
        ModelCommandsTest.Outcome again = ModelCommandsTest.outcome(out -> Prepare.run(prepare.toArray(new String[0]),
                out, out, false));
        assertEquals(0, again.status(), again.text());
        assertTrue(again.text().contains("nothing to do"), again.text());
        List<String> train = new ArrayList<>(List.of(validating(tasks.get("train").args())));
        train.addAll(List.of("--workers", "4"));
        Outcome valid = TrainCliTest.run(train.toArray(new String[0]));
        assertEquals(0, valid.status, valid.err);
        assertTrue(valid.out.contains("[diloco] valid: "), valid.out);
    }

    /**
     * The training task's rendered command passes the job's own checks. The HDFS paths become local
     * ones the way a deployment changes them, through the DAG's Airflow Variables (diloco_dataset,
     * diloco_runs) set in the environment, which Airflow reads first: nothing in the rendered command
     * is replaced, so the dated --out and every option are the DAG's and its options file's (diloco_config:
     * the committed file). Only two arguments are appended (the job takes the last of a repeated
     * option, and the command line wins over the file): {@code --preset tiny}, since the file's
     * model would not fit this test JVM's heap (the memory check would rightly refuse it), and
     * {@code --validate-only}.
     */
    @Test
    void renderedTrainCommandPassesValidateOnlyAndARetryFindsItsRun() throws Exception {
        Path runs = tmp.resolve("runs");
        Map<String, Object> dag = read(Map.of("diloco_dataset", corpus.toString(), "diloco_runs", runs.toString()));
        String[] rendered = tasks(dag).get("train").args();
        assertEquals(corpus.toString(), value(rendered, "--data"));
        Path out = runs.resolve(DATE);
        assertEquals(out.toString(), value(rendered, "--out"));

        Outcome first = TrainCliTest.run(validating(rendered));
        assertEquals(0, first.status, first.err);
        assertTrue(first.out.contains("[diloco] valid: " + TestSupport.paragraphs().size() + " documents in --data " + corpus
                + ", --out " + out + " usable"), first.out);
        assertFalse(Files.exists(out), "--validate-only writes nothing");

        // a failed attempt left its files: the retry, the same command, is accepted only thanks to --resume-if-present
        Files.createDirectories(out);
        Files.writeString(out.resolve("run.json"), "{}\n");
        Outcome retry = TrainCliTest.run(validating(rendered));
        assertEquals(0, retry.status, retry.err);
        List<String> withoutResume = new ArrayList<>(List.of(rendered));
        assertTrue(withoutResume.remove("--resume-if-present"));
        Outcome fresh = TrainCliTest.run(validating(withoutResume.toArray(new String[0])));
        assertEquals(2, fresh.status);
        assertTrue(fresh.err.contains("is not empty"), fresh.err);
    }

    private static String[] validating(String[] rendered) {
        List<String> a = new ArrayList<>(List.of(tiny(rendered)));
        a.add("--validate-only");
        return a.toArray(new String[0]);
    }

    /** The rendered command with the tiny model: the options file's would not fit this test JVM's heap. */
    private static String[] tiny(String[] rendered) {
        List<String> a = new ArrayList<>(List.of(rendered));
        a.addAll(List.of("--preset", "tiny"));
        return a.toArray(new String[0]);
    }
}
