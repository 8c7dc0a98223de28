package diloco.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.config.Options;
import diloco.experiments.Experiments.Request;
import diloco.experiments.RunnerOptions.Partition;
import diloco.TestSupport;
import diloco.option.Option;
import diloco.option.UserError;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The runner's command line: its own options by its table, every other job option passed on to the job. */
class RunnerOptionsTest {
    private static Request parse(String... args) {
        return Request.parse(args);
    }

    /** The message of the bad input {@code args} make: one line, naming {@code flag}. */
    private static String badInput(String flag, String... args) {
        String message = assertThrows(UserError.class, () -> parse(args)).getMessage();
        assertTrue(message.contains(flag), message);
        assertFalse(message.contains("\n"), message);
        return message;
    }

    @Test
    void runnerOptionsAreReadAndTheRestGoesToTheJob() {
        Request r = parse("--data", "/d", "--suite", "table2", "--workers", "4", "--seeds", "0, 1", "--eval-every=3",
                "--out", "/o", "--partition", "1/3", "--inner-steps", "25", "--report-only", "--overwrite");
        assertEquals("table2", r.suite());
        assertEquals(List.of(0L, 1L), r.seeds());
        assertEquals("/o", r.out(), "--out is the runner's: each run's is planned under it");
        assertEquals(new Partition(1, 3), r.partition());
        assertTrue(r.reportOnly());
        assertEquals(3000, r.totalInnerSteps());
        assertEquals("^(\\d{4})", r.nonIidKey());
        // the job's options as given, in order: a job flag after a runner flag, the = form, a switch
        assertEquals(List.of("--data", "/d", "--workers", "4", "--eval-every=3", "--inner-steps", "25", "--overwrite"),
                r.jobArgs());
    }

    @Test
    void theSuitesDefaultsComeBeforeTheUsersJobOptions() {
        Request r = parse("--suite", "smoke", "--out", "/o", "--inner-steps", "4");
        assertEquals(40, r.totalInnerSteps());
        assertEquals(List.of("--preset", "tiny", "--inner-steps", "20", "--batch-size", "8", "--inner-lr", "3e-3",
                "--warmup-steps", "5", "--inner-steps", "4"), r.jobArgs());
    }

    @Test
    void anArgumentOfNeitherTableIsAnErrorNamingIt() {
        assertEquals("unknown option --bogus (see --help)", badInput("--bogus", "--suite", "H", "--out", "/o", "--bogus",
                "1"));
        badInput("'stray'", "--suite", "H", "--out", "/o", "stray");
        // a job option without its value is bad input already while the arguments are split
        badInput("--workers", "--suite", "H", "--out", "/o", "--workers", "--seeds", "1");
    }

    @Test
    void badRunnerValuesAreOneLineNamingTheFlag() {
        badInput("--suite", "--suite", "table3", "--out", "/o");
        badInput("--suite", "--out", "/o");
        badInput("--out", "--suite", "H");
        badInput("--total-inner-steps", "--suite", "H", "--out", "/o", "--total-inner-steps", "0");
        badInput("--total-inner-steps", "--suite", "H", "--out", "/o", "--total-inner-steps", "many");
        badInput("--seeds", "--suite", "H", "--out", "/o", "--seeds", "0,x");
        badInput("--non-iid-key", "--suite", "H", "--out", "/o", "--non-iid-key", "(");
        badInput("--partition", "--suite", "H", "--out", "/o", "--partition", "2/2");
        badInput("--partition", "--suite", "H", "--out", "/o", "--partition", "1");
        badInput("--partition", "--suite", "H", "--out", "/o", "--partition", "a/2");
        badInput("--report-only", "--suite", "H", "--out", "/o", "--report-only=yes");
        badInput("--allow-missing", "--suite", "H", "--out", "/o", "--allow-missing");
    }

    @Test
    void chartsOnlyNeedsNoSuite() {
        Request r = parse("--charts-only", "--out", "/o", "--references", "/t");
        assertTrue(r.chartsOnly());
        assertEquals("/t", r.references());
    }

    @Test
    void badInputExitsWithStatus2AndOneLine() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Experiments.run(new String[] {"--suite", "H", "--out", "/o", "--partition", "3/2"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        assertEquals(UserError.EXIT_CODE, status);
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("diloco: error: --partition") && text.indexOf('\n') == text.length() - 1, text);
    }

    @Test
    void helpListsEveryRunnerOption() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, Experiments.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err, false));
        String help = out.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(), TestSupport.unlisted(help, RunnerOptions.all()), help);
        assertTrue(help.contains("Runner options:") && help.contains("diloco.cli.Train --help"), help);
    }

    /** Only --out is in both tables (and is the runner's): a runner flag never hides another job option. */
    @Test
    void theTablesShareOnlyOut() {
        List<String> shared = new ArrayList<>();
        for (Option<?> o : RunnerOptions.all()) {
            if (Options.byFlag().containsKey(o.flag())) {
                shared.add(o.flag());
            }
        }
        assertEquals(List.of("--out"), shared);
    }
}
