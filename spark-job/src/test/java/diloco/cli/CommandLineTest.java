package diloco.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.option.Option;
import diloco.option.UserError;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Arguments split between two tables: a tool's own, parsed, and the command's it runs, passed on as given. */
class CommandLineTest {
    private static final Option<String> NAME = Option.text("name").placeholder("N").section("Tool").doc("a name");
    private static final Option<Boolean> LOUD = Option.flag("loud").section("Tool").doc("a switch");
    private static final Option<Integer> COUNT = Option.integer("count").placeholder("N").byDefault(1)
            .check(Option.Check.atLeast(1)).section("Command").doc("a count");
    private static final Option<String> COMMAND_NAME = Option.text("name").placeholder("N").section("Command")
            .doc("the command's name");

    private static CommandLine.Split split(String... args) {
        return CommandLine.split(List.of(NAME, LOUD), List.of(COUNT, COMMAND_NAME), args);
    }

    @Test
    void theFirstTablesOptionsAreParsedAndTheOthersPassedOnInOrder() {
        CommandLine.Split s = split("--count", "0", "--name=x", "--loud", "--count=4");
        assertEquals("x", s.values().get(NAME), "a flag of both tables is the first's");
        assertTrue(s.values().get(LOUD));
        assertEquals(List.of("--count", "0", "--count=4"), s.rest(), "unparsed: the command's parser checks them");
        assertEquals(List.of(), split("--loud").rest());
        assertEquals(1, CommandLine.parse(List.of(COUNT), new String[0]).get(COUNT), "the default when not given");
    }

    @Test
    void anArgumentOfNeitherTableIsAnErrorNamingIt() {
        assertEquals("unknown option --size (see --help)",
                assertThrows(UserError.class, () -> split("--loud", "--size", "3")).getMessage());
        assertEquals("unexpected argument 'x' (options start with --; see --help)",
                assertThrows(UserError.class, () -> split("--count", "2", "x")).getMessage());
        assertEquals("option --count needs a value (N)",
                assertThrows(UserError.class, () -> split("--count", "--loud")).getMessage());
        assertEquals("unknown option --name (see --help)",
                assertThrows(UserError.class, () -> CommandLine.parse(List.of(COUNT), new String[] {"--name", "x"}))
                        .getMessage(), "one table: everything is its own");
    }

    /**
     * --config FILE: the file's options under the command line's (the command line wins), every
     * name checked by the option table, flags as true/false, the resolved values recorded.
     */
    @Test
    void optionsFromAPropertiesFileUnderTheCommandLine(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("run.properties");
        Files.writeString(file, String.join("\n", "# a reviewed file, as spark-defaults.conf",
                "data /corpora/sotu", "workers=4", "inner-steps 50", "rounds = 12", "resume-if-present true",
                "overwrite false", "outer-lr 0.5"));
        diloco.config.TrainConfig c = CommandLine.parse(new String[] {"--config", file.toString(), "--inner-steps", "7"});
        assertEquals("/corpora/sotu", c.get(diloco.config.Options.DATA));
        assertEquals(4, c.get(diloco.config.Options.WORKERS));
        assertEquals(7, c.get(diloco.config.Options.INNER_STEPS), "the command line wins");
        assertEquals(12, c.get(diloco.config.Options.ROUNDS));
        assertTrue(c.get(diloco.config.Options.RESUME_IF_PRESENT));
        assertEquals(false, c.get(diloco.config.Options.OVERWRITE));
        assertEquals(12, ((Number) c.toRecord().get("rounds")).intValue(), "run.json records the file's values");
        assertEquals(0.5f, c.get(diloco.config.Options.OUTER_LR));

        Files.writeString(file, "workers 4\ninner-stepz 50\n");
        UserError e = assertThrows(UserError.class, () -> CommandLine.parse(new String[] {"--config", file.toString()}));
        assertTrue(e.getMessage().contains("unknown option 'inner-stepz' in --config"), e.getMessage());
        Files.writeString(file, "overwrite yes\n");
        e = assertThrows(UserError.class, () -> CommandLine.parse(new String[] {"--config", file.toString()}));
        assertTrue(e.getMessage().contains("must be true or false"), e.getMessage());
        Files.writeString(file, "workers 0\ndata x\n");
        e = assertThrows(UserError.class, () -> CommandLine.parse(new String[] {"--config", file.toString()}));
        assertTrue(e.getMessage().contains("--workers must be >= 1"), e.getMessage());
        e = assertThrows(UserError.class, () -> CommandLine.parse(new String[] {"--config", tmp.resolve("none").toString()}));
        assertTrue(e.getMessage().startsWith("cannot read --config"), e.getMessage());
    }
}
