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
    }
}
