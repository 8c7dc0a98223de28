package diloco.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.io.Json;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Zeppelin note, run as Zeppelin's Spark interpreter runs it (Zeppelin itself cannot be
 * installed here): its paragraphs in order, the Scala ones through Scala's REPL (the engine of
 * Zeppelin's Scala interpreter), compiled against the built application jar, sharing one
 * SparkSession and a stand-in for {@code z}. Only the first settings paragraph is replaced: the
 * committed test corpus and a tiny model instead of the real corpus and the small model.
 */
class ZeppelinNoteIT {
    static final Path NOTE = Paths.get("..", "notebooks", "diloco-quickstart.zpln");

    @TempDir
    Path tmp;

    @Test
    @SuppressWarnings("unchecked")
    void everyParagraphOfTheNoteRuns() throws Exception {
        Map<String, Object> note = Json.parseObject(Files.readString(NOTE));
        assertEquals("spark", note.get("defaultInterpreterGroup"));
        List<String> texts = new ArrayList<>();
        for (Map<String, Object> p : (List<Map<String, Object>>) note.get("paragraphs")) {
            texts.add((String) p.get("text"));
        }
        int settings = indexOf(texts, "%spark.conf");
        assertTrue(settings >= 0, "the note has a settings paragraph");
        String original = texts.get(settings);
        assertTrue(original.contains("spark.jars ") && original.contains("zeppelin.spark.enableSupportedVersionCheck  false"),
                original);
        Map<String, String> conf = properties(testSettings());
        assertEquals(properties(original).keySet(), conf.keySet(), "the test sets what the note sets, no more");

        Path replClasses = Files.createDirectories(tmp.resolve("repl-classes"));
        SparkSession.Builder b = SparkSession.builder().master("local[2]").appName("zeppelin-note")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.repl.class.outputDir", replClasses.toString()); // executors load closures from here
        conf.forEach((k, v) -> {
            if (!k.startsWith("zeppelin.")) { // interpreter settings, not Spark's
                b.config(k, v);
            }
        });
        SparkSession spark = b.getOrCreate();
        ZeppelinContextStandIn z = new ZeppelinContextStandIn();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        PrintStream captured = new PrintStream(output, true, StandardCharsets.UTF_8);
        IMain repl = repl(replClasses, new PrintWriter(captured, true));
        try {
            assertSuccess(repl.bind("spark", "org.apache.spark.sql.SparkSession", spark, noModifiers()));
            assertSuccess(repl.bind("z", ZeppelinContextStandIn.class.getName(), z, noModifiers()));
            int scalaParagraphs = 0;
            for (int i = 0; i < texts.size(); i++) {
                String text = texts.get(i);
                String tag = text.split("\\s", 2)[0];
                String body = text.substring(tag.length());
                switch (tag) {
                    case "%md":
                        assertFalse(body.isBlank(), "paragraph " + i + " explains something");
                        break;
                    case "%spark.conf":
                        assertEquals(settings, i, "only one settings paragraph, the first: it must run before Spark starts");
                        break;
                    case "%spark":
                        // as Zeppelin's interpreter: Console.out and System.out both the paragraph's output
                        PrintStream stdout = System.out;
                        Results.Result r;
                        try {
                            r = scala.Console$.MODULE$.withOut(captured, () -> {
                                System.setOut(scala.Console$.MODULE$.out());
                                return repl.interpret(body);
                            });
                        } finally {
                            System.setOut(stdout);
                        }
                        assertTrue(r instanceof Results.Success$, "paragraph " + i + " failed:\n" + body + "\n--- output:\n"
                                + output.toString(StandardCharsets.UTF_8));
                        scalaParagraphs++;
                        break;
                    default:
                        throw new AssertionError("paragraph " + i + " uses an interpreter the test does not run: " + tag);
                }
            }
            assertEquals(6, scalaParagraphs, "the note's Scala paragraphs");
        } finally {
            repl.close();
            spark.stop();
        }
        String out = output.toString(StandardCharsets.UTF_8);
        System.out.println("--- the note's output ---\n" + out); // kept in failsafe's report for a reader
        int documents = Files.list(Paths.get(conf.get("spark.diloco.corpus"))).toList().size();
        assertTrue(out.contains(documents + " documents"), out);
        // fit's progress reached the paragraph: every round's line
        int rounds = Integer.parseInt(conf.get("spark.diloco.rounds"));
        for (int round = 1; round <= rounds; round++) {
            assertTrue(out.contains("[diloco] round " + round + "/" + rounds + " | "), "round " + round + " in:\n" + out);
        }
        assertEquals(1, z.tables().size(), "z.show drew the summary");
        String[] lines = z.tables().get(0).split("\n");
        assertEquals("%table round\tval_loss\tinner_loss", lines[0]);
        assertEquals(rounds + 1, lines.length, "one row per round");
        double first = Double.parseDouble(lines[1].split("\t")[1]);
        double last = Double.parseDouble(lines[rounds].split("\t")[1]);
        assertTrue(last < first, "validation loss fell: " + first + " -> " + last);
        Path saved = Paths.get(conf.get("spark.diloco.outputDir"), "model");
        assertTrue(Files.exists(saved.resolve("data/model.safetensors")) && Files.exists(saved.resolve("metadata")), out);
        assertTrue(out.contains("perplexity") && out.contains("|start"), "the scored table was shown:\n" + out);
        assertTrue(out.matches("(?s).*validation bits per byte: bytes \\d+\\.\\d+, BPE \\d+\\.\\d+.*"), out);
        try (var dirs = Files.list(Paths.get(conf.get("spark.diloco.outputDir")))) {
            Path tok = dirs.filter(d -> d.getFileName().toString().startsWith("tokenizer-")).findFirst().orElseThrow();
            assertEquals(300, diloco.tokenize.Tokenizers.load(new org.apache.hadoop.conf.Configuration(), tok.toString())
                    .vocabSize(), "the note learned the tokenizer it asked for");
        }
        assertTrue(Files.exists(Paths.get(conf.get("spark.diloco.outputDir"), "run-bpe", "tokenizer.json")));
    }

    /** The settings paragraph as the test runs it: the built jar, the committed corpus, a tiny model. */
    private String testSettings() throws Exception {
        Path corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
        return String.join("\n", "%spark.conf",
                "spark.jars  " + System.getProperty("diloco.appJar"),
                "zeppelin.spark.enableSupportedVersionCheck  false",
                "spark.driver.extraJavaOptions  -Dai.djl.offline=true",
                "spark.executor.extraJavaOptions  -Dai.djl.offline=true",
                "spark.speculation  false",
                "spark.diloco.corpus  " + corpus,
                "spark.diloco.outputDir  " + tmp.resolve("out"),
                "spark.diloco.preset  tiny",
                "spark.diloco.workers  2",
                "spark.diloco.innerSteps  5",
                "spark.diloco.rounds  3",
                "spark.diloco.valFraction  0.2",
                "spark.diloco.vocabSize  300");
    }

    /** A settings paragraph's properties: "key value" lines; # comments and blank lines skipped. */
    static Map<String, String> properties(String paragraph) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : paragraph.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith("%")) {
                continue;
            }
            String[] kv = l.split("\\s+", 2);
            m.put(kv[0], kv.length > 1 ? kv[1].strip() : "");
        }
        return m;
    }

    /**
     * Scala's REPL compiling against the application jar and Spark's jars (not this test's own
     * classpath), writing its classes where Spark serves them to executors, and loading them
     * with this JVM's classes as parent, so that the values bound into it are of its own types.
     * The REPL's constructor is Scala 2.13's or 2.12's, whichever this build has (-Pspark-3.5 is
     * Scala 2.12): found by reflection, so this one source compiles against both.
     */
    private static IMain repl(Path classes, PrintWriter out) throws Exception {
        List<String> cp = new ArrayList<>();
        cp.add(System.getProperty("diloco.appJar"));
        cp.addAll(List.of(Files.readString(Paths.get(System.getProperty("diloco.sparkClasspath"))).trim()
                .split(File.pathSeparator)));
        cp.add(Paths.get(ZeppelinContextStandIn.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        Settings settings = new Settings();
        settings.usejavacp().value_$eq(Boolean.FALSE);
        settings.classpath().value_$eq(String.join(File.pathSeparator, cp));
        settings.Yreploutdir().value_$eq(classes.toString());
        // lines wrapped in classes, not objects, as Zeppelin's Spark interpreter (and spark-shell) compile them:
        // a closure sent to an executor then carries its values instead of re-running the line there
        settings.Yreplclassbased().value_$eq(Boolean.TRUE);
        ClassLoader parent = ZeppelinNoteIT.class.getClassLoader();
        try { // Scala 2.13: IMain(settings, parent class loader, compiler settings, reporter)
            Class<?> reporter = Class.forName("scala.tools.nsc.interpreter.shell.ReplReporterImpl");
            Class<?> reporterType = Class.forName("scala.tools.nsc.interpreter.ReplReporter");
            Object r = reporter.getConstructor(Settings.class, PrintWriter.class).newInstance(settings, out);
            return IMain.class.getConstructor(Settings.class, scala.Option.class, Settings.class, reporterType)
                    .newInstance(settings, scala.Option.apply(parent), settings, r);
        } catch (ClassNotFoundException scala212) { // Scala 2.12: IMain(settings, out), the parent loader from the settings
            settings.getClass().getMethod("embeddedDefaults", ClassLoader.class).invoke(settings, parent);
            return IMain.class.getConstructor(Settings.class, PrintWriter.class).newInstance(settings, out);
        }
    }

    /** Scala's empty List, as either Scala version spells it. */
    @SuppressWarnings("unchecked")
    private static scala.collection.immutable.List<String> noModifiers() {
        return (scala.collection.immutable.List<String>) (Object) scala.collection.immutable.Nil$.MODULE$;
    }

    private static void assertSuccess(Results.Result r) {
        assertTrue(r instanceof Results.Success$, String.valueOf(r));
    }

    private static int indexOf(List<String> texts, String tag) {
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i).startsWith(tag + "\n") || texts.get(i).equals(tag)) {
                return i;
            }
        }
        return -1;
    }
}
