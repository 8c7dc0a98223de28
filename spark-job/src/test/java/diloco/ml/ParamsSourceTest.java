package diloco.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import diloco.config.Options;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** DiLoCoParams.java is the file the option table generates: no option lacks its Param. */
class ParamsSourceTest {
    @Test
    void generatedParamsFileMatchesTheOptionTable() throws IOException {
        assertEquals(ParamsSource.source(Options.params()), Files.readString(Path.of(ParamsSource.FILE)),
                "DiLoCoParams.java differs from the option table: run dev/regen-params.sh");
    }
}
