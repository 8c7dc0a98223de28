package diloco.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The Maven-assembled Spark home holds exactly the jars of the classpath it was last assembled from. */
class MavenSparkHomeTest {
    @TempDir
    Path tmp;

    private Path classpath(String name, Path... jars) throws IOException {
        return Files.writeString(tmp.resolve(name), Stream.of(jars).map(Path::toString)
                .collect(Collectors.joining(File.pathSeparator)));
    }

    private Set<String> jars(Path home) throws IOException {
        try (Stream<Path> s = Files.list(home.resolve("jars"))) {
            return s.map(p -> p.getFileName() + " -> " + uncheckedTarget(p)).collect(Collectors.toSet());
        }
    }

    private static String uncheckedTarget(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void anotherClasspathReplacesTheJarsInsteadOfAddingToThem() throws IOException {
        Path a = Files.createFile(tmp.resolve("a.jar"));
        Path core35 = Files.createDirectories(tmp.resolve("3.5")).resolve("spark-core.jar");
        Path core41 = Files.createDirectories(tmp.resolve("4.1")).resolve("spark-core.jar");
        Files.createFile(core35);
        Files.createFile(core41);
        Path home = tmp.resolve("spark-home");

        MavenSparkHome.assemble(home, classpath("first.txt", a, core35), "");
        assertEquals(Set.of("a.jar -> " + a, "spark-core.jar -> " + core35), jars(home));

        MavenSparkHome.assemble(home, classpath("second.txt", core41), "");
        assertEquals(Set.of("spark-core.jar -> " + core41), jars(home), "the same name from another build is replaced");

        MavenSparkHome.assemble(home, classpath("again.txt", core41), "");
        assertEquals(Set.of("spark-core.jar -> " + core41), jars(home), "the same classpath again: unchanged");
    }
}
