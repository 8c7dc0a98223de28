package diloco.bench;

import diloco.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine operations of some steps, from a PyTorch profiler trace (the Chrome trace format
 * that DJL's {@code JniUtils.stopProfile} writes): every ATen operation, and those called from the
 * host language, that is, not inside another ATen operation nor inside autograd's backward (whose
 * operations the engine calls itself). DJL's trace times events to the nanosecond, fine enough
 * to nest them by time. The PyTorch side of {@link Bench} counts all its ATen operations the same
 * way ({@code torch_inner_step.py --count-ops}), and times its operations as its profiler's
 * "self CPU" does: an event's duration less its children's.
 *
 * @param host ATen operations called from Java
 * @param aten all ATen operations
 * @param selfMicros each event name's self time, summed, in microseconds
 */
record OpCounts(long host, long aten, Map<String, Double> selfMicros) {

    /** Per step, for the JSON. */
    Map<String, Object> perStep(int steps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", (double) host / steps);
        m.put("aten", (double) aten / steps);
        return m;
    }

    /** Self time per step in milliseconds, by name, longest first. */
    Map<String, Double> selfMsPerStep(int steps) {
        Map<String, Double> m = new LinkedHashMap<>();
        selfMicros.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> m.put(e.getKey(), e.getValue() / 1000 / steps));
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
        Map<String, Double> self = new HashMap<>();
        for (List<Map<String, Object>> thread : byThread.values()) {
            // parents first: by start, the longer of two that start together
            thread.sort(Comparator.<Map<String, Object>>comparingDouble(e -> number(e, "ts"))
                    .thenComparing(Comparator.<Map<String, Object>>comparingDouble(e -> number(e, "dur")).reversed()));
            Deque<Open> open = new ArrayDeque<>();
            int hiding = 0;
            for (Map<String, Object> e : thread) {
                double ts = number(e, "ts");
                double dur = number(e, "dur");
                while (!open.isEmpty() && open.peek().end() <= ts) {
                    hiding -= open.pop().hides();
                }
                String name = String.valueOf(e.get("name"));
                self.merge(name, dur, Double::sum);
                if (!open.isEmpty()) {
                    self.merge(open.peek().name(), -dur, Double::sum); // the parent's self time excludes it
                }
                boolean isAten = name.startsWith("aten::");
                if (isAten) {
                    aten++;
                    if (hiding == 0) {
                        host++;
                    }
                }
                int hides = isAten || name.startsWith("autograd::engine") ? 1 : 0;
                open.push(new Open(name, ts + dur, hides));
                hiding += hides;
            }
        }
        return new OpCounts(host, aten, self);
    }

    /** An event whose children may follow: 1 in hides when it hides them from the host count. */
    private record Open(String name, double end, int hides) {}

    private static double number(Map<String, Object> e, String key) {
        return ((Number) e.get(key)).doubleValue();
    }
}
