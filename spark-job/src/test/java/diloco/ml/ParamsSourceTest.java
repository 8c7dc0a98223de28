package diloco.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.config.Options;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** DiLoCo's typed Param methods are the ones the option table generates: no option lacks its Param. */
class ParamsSourceTest {
    @Test
    void generatedParamMethodsMatchTheOptionTable() throws IOException {
        String source = Files.readString(Path.of("src/main/java/diloco/ml/DiLoCo.java"));
        int begin = source.indexOf(ParamsSource.BEGIN);
        int end = source.indexOf(ParamsSource.END);
        assertTrue(begin >= 0 && end > begin, "DiLoCo.java has the GENERATED PARAMS markers");
        assertEquals(ParamsSource.block(Options.params()), source.substring(begin, end + ParamsSource.END.length()),
                "DiLoCo's Params differ from the option table: run docs/regen-params.sh");
    }
}
