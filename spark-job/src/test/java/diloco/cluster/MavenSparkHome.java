package diloco.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A SPARK_HOME with a working {@code bin/spark-submit}, made from Maven jars alone (no Spark
 * distribution can be downloaded here), so that launch scripts which call
 * {@code $SPARK_HOME/bin/spark-submit} (submit.sh's yarn and k8s modes) run Spark's real
 * {@code SparkSubmit}. {@code jars/} links every jar of a classpath file that the build wrote;
 * {@code bin/spark-submit} starts {@code SparkSubmit} on them with the JVM options Spark needs on
 * Java 17, as Spark's own script does, and with {@code $HADOOP_CONF_DIR} on its classpath, as
 * Spark's script puts it there for YARN.
 */
public final class MavenSparkHome {
    private MavenSparkHome() {}

    /**
     * Assembles a Spark home in {@code dir} from the jars listed in {@code classpathFile} (one
     * line, path-separated), for JVMs started with {@code javaOptions}. {@code jars/} holds exactly
     * that classpath: when the folder was assembled from another one (another build of the same tree:
     * {@code -Pspark-3.5}, another Spark version), it is rebuilt, as {@code submit.sh} does with the
     * same stamp ({@code classpath.txt}, a copy of the file it was made from); jars of two Spark
     * versions on one {@code jars/*} classpath start executors that fail.
     */
    public static Path assemble(Path dir, Path classpathFile, String javaOptions) throws IOException {
        Path jars = dir.resolve("jars");
        Path stamp = dir.resolve("classpath.txt");
        if (!Files.exists(stamp) || Files.mismatch(stamp, classpathFile) != -1L) {
            if (Files.exists(jars)) {
                try (java.util.stream.Stream<Path> old = Files.walk(jars)) { // links are removed, not followed
                    for (Path p : (Iterable<Path>) old.sorted(java.util.Comparator.reverseOrder())::iterator) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(jars);
            for (String jar : Files.readString(classpathFile).trim().split(File.pathSeparator)) {
                Path target = Paths.get(jar);
                Path link = jars.resolve(target.getFileName());
                if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(link, target);
                }
            }
            Files.copy(classpathFile, stamp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Path submit = Files.createDirectories(dir.resolve("bin")).resolve("spark-submit");
        Files.writeString(submit, String.join("\n",
                "#!/usr/bin/env bash",
                "# Spark's launcher on the jars of this Maven-assembled Spark home (see MavenSparkHome).",
                "SPARK_HOME=\"$(cd \"$(dirname \"$0\")/..\" && pwd)\"",
                "export SPARK_HOME",
                "exec '" + java + "' " + javaOptions.trim() + " -cp \"$SPARK_HOME/jars/*:${HADOOP_CONF_DIR:-}\" org.apache.spark.deploy.SparkSubmit \"$@\"",
                ""));
        Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }
}
