package diloco.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

/** Counting engine operations in a profiler trace: nesting by time, per thread. */
class OpCountsTest {
    private static Map<String, Object> event(String name, double ts, double dur, int tid) {
        return Map.of("name", name, "ph", "X", "ts", ts, "dur", dur, "tid", tid);
    }

    @Test
    void hostCallsAreTheAtenOperationsOutsideOthersAndOutsideBackward() {
        List<Map<String, Object>> trace = List.of(
                event("aten::mm", 1, 8, 1),                                // inside matmul (listed first on purpose)
                event("aten::matmul", 0, 10, 1),                           // host call
                event("aten::resolve_conj", 1, 0.5, 1),                    // inside mm
                event("autograd::engine::evaluate_function: MmBackward0", 20, 10, 1),
                event("MmBackward0", 20, 9, 1),
                event("aten::mm", 21, 7, 1),                               // autograd's, not the host's
                event("Optimizer.step", 40, 5, 1),                         // an annotation hides nothing
                event("aten::add_", 41, 1, 1),                             // host call
                event("aten::add_", 42, 1, 1),                             // host call, a sibling that starts where one ends
                event("aten::fill_", 0, 1, 2),                             // another thread: host call
                Map.of("name", "aten::ignored", "ph", "i", "ts", 3.0, "tid", 1)); // not a complete event
        OpCounts c = OpCounts.of(trace);
        assertEquals(4, c.host(), "matmul, the two add_ and fill_; nothing inside another operation or backward");
        assertEquals(7, c.aten());
        // self time, by hand: matmul 10 − mm's 8; mm (8 − 0.5) + 7 in backward; the annotation 5 − the two add_
        Map<String, Double> self = c.selfMicros();
        assertEquals(2, self.get("aten::matmul"), 1e-9);
        assertEquals(14.5, self.get("aten::mm"), 1e-9);
        assertEquals(0.5, self.get("aten::resolve_conj"), 1e-9);
        assertEquals(1, self.get("autograd::engine::evaluate_function: MmBackward0"), 1e-9);
        assertEquals(2, self.get("MmBackward0"), 1e-9);
        assertEquals(3, self.get("Optimizer.step"), 1e-9);
        assertEquals(2, self.get("aten::add_"), 1e-9);
        assertEquals(1, self.get("aten::fill_"), 1e-9);
        assertEquals(List.of("aten::mm", "Optimizer.step"), List.copyOf(c.selfMsPerStep(1).keySet()).subList(0, 2),
                "longest first");
    }
}
