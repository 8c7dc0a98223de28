package diloco.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.io.Json;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The committed reports' charts are drawn from their results.json alone, by the rules the docs state. */
class SuiteChartsTest {
    static Map<String, Object> results(String suite) throws Exception {
        return Json.parseObject(Files.readString(Path.of("..", "docs", "results", suite, "results.json")));
    }

    @Test
    void sweepsAreDrawnOnlyWithTwoPointsAndReferencesComeFromTheOtherSuite() throws Exception {
        Map<String, byte[]> h = SuiteCharts.draw(results("H"), results("table2"));
        assertEquals(Set.of(SuiteCharts.LOSS, "ppl-vs-H.png"), h.keySet());
        Map<String, byte[]> k1 = SuiteCharts.draw(results("k1-outer-cosine"), results("table2"));
        assertEquals(Set.of(SuiteCharts.LOSS), k1.keySet(), "one configuration: no sweep chart");
        for (byte[] png : h.values()) {
            assertEquals(960, javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png)).getWidth());
        }
    }

    /** The swept values and the reference numbers the charts use are the results' own. */
    @Test
    @SuppressWarnings("unchecked")
    void sweptValuesAndReferencesAreReadFromTheResults() throws Exception {
        List<Map<String, Object>> rows = (List<Map<String, Object>>) results("H").get("rows");
        assertEquals(List.of(10.0, 50.0, 200.0), rows.stream().map(r -> SuiteCharts.x("H", r)).toList());
        List<Map<String, Object>> drop = (List<Map<String, Object>>) results("drop").get("rows");
        assertTrue(drop.stream().map(r -> SuiteCharts.x("drop", r)).toList().containsAll(List.of(0.1, 0.5)));
        Map<String, Object> oneWorker = ((List<Map<String, Object>>) results("table2").get("rows")).get(0);
        assertEquals("1 worker", oneWorker.get("name"));
        // the docs compare against seed 0: 1.3234 final loss
        assertEquals(Math.exp(1.3234), SuiteCharts.ppl(oneWorker, true), 1e-3);
        List<double[]> curve = SuiteCharts.curve(oneWorker, true);
        assertEquals(0.0, curve.get(0)[0]);
        assertEquals(3000.0, curve.get(curve.size() - 1)[0]);
    }
}
