package diloco;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Where a command's lines go: its logger when the log shows them, else the console, and a caller's stream as given. */
class LogTest {
    @Test
    void aCallersStreamGetsTheLinesAsTheyWere() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        Log.standard(new PrintStream(buffer, true, StandardCharsets.UTF_8)).say("round %d/%d", 1, 3);
        assertEquals("[diloco] round 1/3" + System.lineSeparator(), buffer.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theConsoleGoesThroughTheLoggerUnlessTheLogHidesTheLines() {
        PrintStream stdout = System.out;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
        try {
            // the tests' log settings: root at WARN (log4j2-test.properties), so INFO of diloco is hidden
            Log.standard(System.out).line("hidden by the log, so printed");
            assertEquals("[diloco] hidden by the log, so printed" + System.lineSeparator(),
                    console.toString(StandardCharsets.UTF_8));
            console.reset();
            Level before = org.apache.logging.log4j.LogManager.getLogger(Log.LOGGER).getLevel();
            Configurator.setLevel(Log.LOGGER, Level.INFO);
            try {
                Log.standard(System.out).line("an event of the logger instead"); // its appender writes to stderr
                assertEquals("", console.toString(StandardCharsets.UTF_8));
            } finally {
                Configurator.setLevel(Log.LOGGER, before);
            }
        } finally {
            System.setOut(stdout);
        }
    }
}
