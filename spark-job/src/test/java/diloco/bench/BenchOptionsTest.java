package diloco.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.option.UserError;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The benchmarks' command lines: checked by their option tables before anything is measured. */
class BenchOptionsTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int bench(String... args) {
        return Bench.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Bad input: exit status 2 and one line on stderr that names {@code flag}. */
    private void badInput(String flag, String... args) {
        err.reset();
        assertEquals(UserError.EXIT_CODE, bench(args), err.toString(StandardCharsets.UTF_8));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("diloco: error: ") && text.contains(flag) && text.indexOf('\n') == text.length() - 1,
                text);
    }

    @Test
    void badValuesAreOneLineNamingTheFlag() {
        badInput("--threads", "--threads", "0,1");
        badInput("--threads", "--threads", "1,x");
        badInput("--models", "--models", "tiny,huge");
        badInput("--models", "--models", "L2-D96-H5-T64"); // 96 is no multiple of 5 heads
        badInput("--mkl-fast-paths", "--mkl-fast-paths", "maybe");
        badInput("--steps", "--steps", "0");
        badInput("--batch-size", "--batch-size", "many");
        badInput("--runs", "--runs");
        badInput("--bogus", "--bogus", "1");
    }

    @Test
    void helpListsEveryOption() {
        assertEquals(0, bench("--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(), TestSupport.unlisted(help, BenchOptions.all()), help);
    }

    @Test
    void valuesAreTyped() {
        assertEquals(List.of("tiny", "L2-D96-H4-T64"),
                BenchOptions.MODELS.parse("tiny, L2-D96-H4-T64"), "comma-separated, spaces trimmed");
        assertEquals(List.of(1, 2), BenchOptions.THREADS.parse("1,2"));
        assertEquals(List.of("--threads", "1,2"), BenchOptions.THREADS.args(List.of(1, 2)), "as the parent passes them on");
        assertEquals(BenchOptions.FastPaths.OFF, BenchOptions.MKL_FAST_PATHS.parse("off"));
    }

    @Test
    void roundOverheadTakesItsReportThenTheJobsOptionsAfterTheSeparator() {
        assertEquals("the training job's options follow -- (see --help)",
                assertThrows(UserError.class, () -> RoundOverhead.measure(new String[] {"--report", "r.json"}))
                        .getMessage());
        assertEquals("--report is required (see --help)",
                assertThrows(UserError.class, () -> RoundOverhead.measure(new String[] {"--", "--data", "/d"}))
                        .getMessage());
        assertEquals("unknown option --workers (see --help)",
                assertThrows(UserError.class, () -> RoundOverhead.measure(new String[] {"--report", "r.json",
                        "--workers", "2", "--", "--data", "/d"})).getMessage(), "the job's options go after --");
        assertEquals("--data is required", assertThrows(UserError.class,
                () -> RoundOverhead.measure(new String[] {"--report", "r.json", "--"})).getMessage());
        assertTrue(RoundOverhead.help().contains("  --report FILE "), RoundOverhead.help());
    }
}
