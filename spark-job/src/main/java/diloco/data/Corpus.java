package diloco.data;

import diloco.config.TrainConfig;
import diloco.config.TrainConfig.DataFormat;
import diloco.config.UserError;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Reads documents from any Hadoop FileSystem path ({@code file://}, {@code hdfs://},
 * {@code s3a://}, globs allowed):
 * <ul>
 *   <li>{@code files}: a directory of files, one document per file, read as raw bytes with Spark's
 *       {@code binaryFile} source (the text sources would replace invalid UTF-8); id = the path
 *       relative to the data root.</li>
 *   <li>{@code parquet} / {@code json}: a table with a string column {@code --text-column}, UTF-8
 *       encoded; id = {@code --id-column}, or a hash of the text.</li>
 * </ul>
 * The byte tokenizer is the identity on bytes (vocabulary 256).
 */
public final class Corpus {
    private static final int FORMAT_PROBE_FILES = 200;

    private Corpus() {}

    public static JavaRDD<Document> load(SparkSession spark, TrainConfig c) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path root = new Path(c.dataPath);
        FileSystem fs;
        FileStatus[] matches;
        try {
            fs = root.getFileSystem(conf);
            matches = fs.globStatus(root);
        } catch (IOException | RuntimeException e) {
            throw new UserError("cannot read --data " + c.dataPath + ": " + oneLine(e));
        }
        UserError.check(matches != null && matches.length > 0, "--data path does not exist: %s", c.dataPath);
        List<String> sample = probeFileNames(fs, matches);
        UserError.check(!sample.isEmpty(), "no documents in --data %s (no files found)", c.dataPath);
        DataFormat format = resolveFormat(c, sample);
        if (format == DataFormat.FILES) {
            return readFiles(spark, c, fs.makeQualified(root).toString());
        }
        return readTable(spark, c, format);
    }

    private static JavaRDD<Document> readFiles(SparkSession spark, TrainConfig c, String qualifiedRoot) {
        Dataset<Row> df = spark.read().format("binaryFile")
                .option("recursiveFileLookup", "true")
                .load(c.dataPath)
                .select("path", "content");
        String prefix = qualifiedRoot.endsWith("/") ? qualifiedRoot : qualifiedRoot + "/";
        return df.javaRDD().map(row -> {
            String path = row.getString(0);
            String id = path.startsWith(prefix) ? path.substring(prefix.length()) : path;
            return new Document(id, Tokens.ofBytes((byte[]) row.get(1)));
        });
    }

    private static JavaRDD<Document> readTable(SparkSession spark, TrainConfig c, DataFormat format) {
        Dataset<Row> df;
        try {
            df = format == DataFormat.PARQUET ? spark.read().parquet(c.dataPath) : spark.read().json(c.dataPath);
        } catch (RuntimeException e) {
            throw new UserError("cannot read --data " + c.dataPath + " as " + format.name().toLowerCase(Locale.ROOT)
                    + ": " + oneLine(e));
        }
        requireStringColumn(df, c.textColumn, "--text-column", c.dataPath);
        String textColumn = c.textColumn;
        if (c.idColumn == null) {
            return df.select(textColumn).javaRDD()
                    .filter(row -> !row.isNullAt(0))
                    .map(row -> {
                        byte[] text = row.getString(0).getBytes(StandardCharsets.UTF_8);
                        return new Document(String.format("%016x", Hashing.hash(text)), Tokens.ofBytes(text));
                    });
        }
        requireColumn(df, c.idColumn, "--id-column", c.dataPath);
        return df.select(df.col(textColumn), df.col(c.idColumn).cast(DataTypes.StringType)).javaRDD()
                .filter(row -> !row.isNullAt(0) && !row.isNullAt(1))
                .map(row -> new Document(row.getString(1),
                        Tokens.ofBytes(row.getString(0).getBytes(StandardCharsets.UTF_8))));
    }

    private static void requireColumn(Dataset<Row> df, String column, String option, String path) {
        UserError.check(Arrays.asList(df.columns()).contains(column),
                "%s '%s' not found in %s; its columns are: %s", option, column, path, String.join(", ", df.columns()));
    }

    private static void requireStringColumn(Dataset<Row> df, String column, String option, String path) {
        requireColumn(df, column, option, path);
        DataType type = df.schema().apply(column).dataType();
        UserError.check(type.equals(DataTypes.StringType), "%s '%s' in %s has type %s, expected string",
                option, column, path, type.simpleString());
    }

    /** AUTO picks by file extension; a Parquet/JSON table without --text-column is an error, not bytes. */
    static DataFormat resolveFormat(TrainConfig c, List<String> names) {
        boolean parquet = names.stream().anyMatch(n -> n.endsWith(".parquet"));
        boolean json = names.stream().anyMatch(n -> n.matches(".*\\.(json|jsonl|ndjson)(\\.gz)?$"));
        if (c.format != DataFormat.AUTO) {
            return c.format;
        }
        if (c.textColumn == null) {
            UserError.check(!parquet, "--data %s holds Parquet files: pass --text-column NAME", c.dataPath);
            return DataFormat.FILES;
        }
        if (parquet) {
            return DataFormat.PARQUET;
        }
        UserError.check(json, "cannot tell the format of --data %s: pass --format parquet or --format json", c.dataPath);
        return DataFormat.JSON;
    }

    /** Names of up to a few hundred visible files under the matched paths. */
    private static List<String> probeFileNames(FileSystem fs, FileStatus[] matches) {
        List<String> names = new ArrayList<>();
        try {
            for (FileStatus m : matches) {
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(m.getPath(), true);
                while (it.hasNext() && names.size() < FORMAT_PROBE_FILES) {
                    Path p = it.next().getPath();
                    if (!isHidden(p)) {
                        names.add(p.getName().toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot list --data: " + oneLine(e));
        }
        return names;
    }

    /** Spark's file sources skip names starting with '.' or '_' (e.g. _SUCCESS, .crc files). */
    private static boolean isHidden(Path p) {
        String n = p.getName();
        return n.startsWith(".") || n.startsWith("_");
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
