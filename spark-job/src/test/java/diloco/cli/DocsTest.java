package diloco.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The README's option list is the job's --help, verbatim: docs cannot drift from the code. */
class DocsTest {
    @Test
    void readmeOptionsEqualHelp() throws IOException {
        Path readme = Path.of("..", "README.md");
        assertTrue(Files.exists(readme), "README.md beside the module");
        String text = Files.readString(readme);
        int begin = text.indexOf("<!-- BEGIN HELP");
        int end = text.indexOf("<!-- END HELP -->");
        assertTrue(begin >= 0 && end > begin, "README has the help markers");
        String block = text.substring(text.indexOf("```\n", begin) + 4, text.lastIndexOf("\n```", end) + 1);
        assertEquals(CommandLine.help(), block,
                "README options differ from --help: run dev/regen-help.sh");
    }

    /** The README's Java example is the code ReadmeExampleTest runs. */
    @Test
    void readmeJavaExampleIsTheTestedOne() throws IOException {
        String text = Files.readString(Path.of("..", "README.md"));
        int begin = text.indexOf("<!-- BEGIN EXAMPLE");
        int end = text.indexOf("<!-- END EXAMPLE -->");
        assertTrue(begin >= 0 && end > begin, "README has the example markers");
        String block = text.substring(text.indexOf("```java\n", begin) + 8, text.lastIndexOf("\n```", end) + 1);
        String test = Files.readString(Path.of("src/test/java/diloco/ml/ReadmeExampleTest.java"));
        String code = test.substring(test.indexOf("// BEGIN README EXAMPLE\n") + 24, test.indexOf("        // END README EXAMPLE"));
        String unindented = code.lines().map(l -> l.startsWith("        ") ? l.substring(8) : l)
                .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
        assertEquals(unindented, block, "the README's Java example differs from ReadmeExampleTest's");
    }
}
