package diloco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The packages of the job depend on each other without cycles: the graph read from the main
 * sources (imports, static imports, and fully qualified names in code; comments and strings aside)
 * has no strongly connected component of more than one package. A cycle fails the test with the
 * packages and the files that make each edge.
 */
class PackageGraphTest {
    static final Path MAIN = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    /** A reference to a class of another package: diloco.pkg.Class (the first capitalised part ends the package). */
    private static final Pattern REFERENCE = Pattern.compile("(?<![\\w.])(diloco(?:\\.[a-z]\\w*)*)\\.[A-Z]");

    /** Package → the packages it uses → the files (relative to {@link #MAIN}) that use them. */
    static Map<String, Map<String, Set<String>>> graph(Path root) throws IOException {
        Map<String, Map<String, Set<String>>> edges = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Matcher p = PACKAGE.matcher(source);
                if (!p.find()) {
                    continue;
                }
                String from = p.group(1);
                Map<String, Set<String>> out = edges.computeIfAbsent(from, k -> new TreeMap<>());
                Matcher m = REFERENCE.matcher(code(source));
                while (m.find()) {
                    String to = m.group(1);
                    if (!to.equals(from)) {
                        out.computeIfAbsent(to, k -> new TreeSet<>()).add(root.relativize(file).toString());
                    }
                }
            }
        }
        return edges;
    }

    /** Java source without comments and string or character literals (text blocks too). */
    static String code(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int n = source.length();
        for (int i = 0; i < n; ) {
            if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                i = end < 0 ? n : end + 3;
            } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
                char quote = source.charAt(i);
                int j = i + 1;
                while (j < n && source.charAt(j) != quote) {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                i = j + 1;
            } else {
                out.append(source.charAt(i++));
            }
        }
        return out.toString();
    }

    /** The strongly connected components of more than one node (Tarjan), each sorted. */
    static List<Set<String>> cycles(Map<String, ? extends Map<String, ?>> edges) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<Set<String>> found = new ArrayList<>();
        for (String v : edges.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, edges, index, low, stack, found);
            }
        }
        return found;
    }

    private static void connect(String v, Map<String, ? extends Map<String, ?>> edges, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, List<Set<String>> found) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        Map<String, ?> next = edges.get(v);
        for (String w : next == null ? Set.<String>of() : next.keySet()) {
            if (!index.containsKey(w)) {
                connect(w, edges, index, low, stack, found);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (stack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                found.add(component);
            }
        }
    }

    @Test
    void thePackagesFormNoCycle() throws IOException {
        Map<String, Map<String, Set<String>>> edges = graph(MAIN);
        assertTrue(edges.size() > 10, "the main sources were read: " + edges.keySet());
        StringBuilder why = new StringBuilder();
        for (Set<String> cycle : cycles(edges)) {
            why.append("\ncycle ").append(cycle);
            for (String from : cycle) {
                for (String to : cycle) {
                    Set<String> files = edges.get(from).get(to);
                    if (files != null) {
                        why.append("\n  ").append(from).append(" -> ").append(to).append(": ").append(files);
                    }
                }
            }
        }
        assertEquals("", why.toString(), "package cycles in " + MAIN.toAbsolutePath());
    }

    /** The check can fail: a cycle made of two files, and one hidden in a fully qualified name, are found. */
    @Test
    void aCycleIsFound() throws IOException {
        Path root = Files.createTempDirectory("package-graph");
        try {
            write(root, "diloco/a/A.java", "package diloco.a;\n\nimport diloco.b.B;\n\nclass A { B b; }\n");
            write(root, "diloco/b/B.java", "package diloco.b;\n\n/** see {@link diloco.c.C} */\nclass B {\n"
                    + "    Object c = diloco.a.A.class; // diloco.c.C in a comment\n    String s = \"diloco.c.C\";\n}\n");
            write(root, "diloco/c/C.java", "package diloco.c;\n\nclass C { diloco.a.A a; }\n");
            Map<String, Map<String, Set<String>>> edges = graph(root);
            assertEquals(Set.of("diloco.b"), edges.get("diloco.a").keySet());
            assertEquals(Set.of("diloco.a"), edges.get("diloco.b").keySet(), "comments and strings are no edges");
            assertEquals(List.of(Set.of("diloco.a", "diloco.b")), cycles(edges));
        } finally {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void write(Path root, String relative, String text) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
