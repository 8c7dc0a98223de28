package diloco.bench;

import diloco.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine operations of some steps, from a PyTorch profiler trace (the Chrome trace format
 * that DJL's {@code JniUtils.stopProfile} writes): every ATen operation, and those called from the
 * host language, that is, not inside another ATen operation nor inside autograd's backward (whose
 * operations the engine calls itself). DJL's trace times events to the nanosecond, fine enough
 * to nest them by time. The PyTorch side of {@link Bench} counts all its ATen operations the same
 * way ({@code torch_inner_step.py --count-ops}).
 *
 * @param host ATen operations called from Java
 * @param aten all ATen operations
 */
record OpCounts(long host, long aten) {

    /** Per step, for the JSON. */
    Map<String, Object> perStep(int steps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", (double) host / steps);
        m.put("aten", (double) aten / steps);
        return m;
    }

    static OpCounts of(Path trace) throws IOException {
        return of(Json.parseList(Files.readString(trace)));
    }

    /** Nesting is by time on each thread: an event inside another's [ts, ts + dur) is its child. */
    static OpCounts of(List<Map<String, Object>> events) {
        Map<Object, List<Map<String, Object>>> byThread = new LinkedHashMap<>();
        for (Map<String, Object> e : events) {
            if ("X".equals(e.get("ph"))) {
                byThread.computeIfAbsent(e.get("tid"), t -> new ArrayList<>()).add(e);
            }
        }
        long host = 0;
        long aten = 0;
        for (List<Map<String, Object>> thread : byThread.values()) {
            // parents first: by start, the longer of two that start together
            thread.sort(Comparator.<Map<String, Object>>comparingDouble(e -> number(e, "ts"))
                    .thenComparing(Comparator.<Map<String, Object>>comparingDouble(e -> number(e, "dur")).reversed()));
            Deque<double[]> open = new ArrayDeque<>(); // {end, 1 if it hides its children from the host count}
            int hiding = 0;
            for (Map<String, Object> e : thread) {
                double ts = number(e, "ts");
                while (!open.isEmpty() && open.peek()[0] <= ts) {
                    hiding -= (int) open.pop()[1];
                }
                String name = String.valueOf(e.get("name"));
                boolean isAten = name.startsWith("aten::");
                if (isAten) {
                    aten++;
                    if (hiding == 0) {
                        host++;
                    }
                }
                int hides = isAten || name.startsWith("autograd::engine") ? 1 : 0;
                open.push(new double[] {ts + number(e, "dur"), hides});
                hiding += hides;
            }
        }
        return new OpCounts(host, aten);
    }

    private static double number(Map<String, Object> e, String key) {
        return ((Number) e.get(key)).doubleValue();
    }
}
