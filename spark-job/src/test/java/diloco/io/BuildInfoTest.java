package diloco.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** What benchmarks and experiments record of their machine. */
class BuildInfoTest {

    /** The CPU model is /proc/cpuinfo's on Linux (every processor of this machine kind reports one). */
    @Test
    void theMachineNamesItsCpu() throws Exception {
        Map<String, Object> m = BuildInfo.machine();
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            String expected = Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.split(":", 2)[1].trim()).findFirst().orElse("unknown CPU");
            assertEquals(expected, m.get("cpu"));
        }
        assertEquals(Runtime.getRuntime().availableProcessors(), m.get("cores"));
        assertTrue(BuildInfo.machineLine().startsWith(m.get("cpu") + ", " + m.get("cores") + " cores, "),
                BuildInfo.machineLine());
    }
}
