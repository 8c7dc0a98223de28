package diloco.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.option.UserError;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** The Estimator's equivalent of --config FILE: Params from a properties file, setters after it winning. */
class DiLoCoConfigTest {

    @Test
    void paramsFromAFile(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("diloco.properties"),
                "# as --config\ninner-steps 9\nworkers=3\nresume-if-present true\ntokenizer hdfs:///tok/sotu-4k\n");
        DiLoCo d = new DiLoCo().setConfig(file.toString()).setWorkers(5);
        assertEquals(9, d.getInnerSteps());
        assertEquals(5, d.getWorkers(), "a setter after the file wins");
        assertTrue(d.getResumeIfPresent());
        assertEquals("hdfs:///tok/sotu-4k", d.getTokenizer());

        Files.writeString(file, "data /corpora/sotu\n");
        UserError e = assertThrows(UserError.class, () -> new DiLoCo().setConfig(file.toString()));
        assertTrue(e.getMessage().contains("data in --config") && e.getMessage().contains("is not a Param"), e.getMessage());
        Files.writeString(file, "workers 0\n");
        e = assertThrows(UserError.class, () -> new DiLoCo().setConfig(file.toString()));
        assertTrue(e.getMessage().contains("workers must be >= 1"), e.getMessage());
    }
}
