package diloco.data;

import diloco.option.UserError;

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
 * Documents are read as bytes; {@link TrainingData} tokenizes them.
 */
public final class Corpus {
    private static final int FORMAT_PROBE_FILES = 200;

    private Corpus() {}

    public static JavaRDD<Document> load(SparkSession spark, DataSettings.Source c) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path root = new Path(c.path());
        FileSystem fs;
        FileStatus[] matches;
        try {
            fs = root.getFileSystem(conf);
            matches = fs.globStatus(root);
        } catch (IOException | RuntimeException e) {
            throw new UserError("cannot read --data " + c.path() + ": " + oneLine(e));
        }
        UserError.check(matches != null && matches.length > 0, "--data path does not exist: %s", c.path());
        UserError.check(!PreparedDataset.isAt(conf, c.path()), "--data %s is a prepared dataset (it has a %s): training "
                + "reads it; this command reads raw documents, such as the corpus it was prepared from", c.path(),
                PreparedDataset.MANIFEST);
        List<String> sample = probeFileNames(fs, matches);
        UserError.check(!sample.isEmpty(), "no documents in --data %s (no files found)", c.path());
        DataFormat format = resolveFormat(c, sample);
        if (format == DataFormat.FILES) {
            return readFiles(spark, c, fs.makeQualified(root).toString());
        }
        return readTable(spark, c, format);
    }

    private static JavaRDD<Document> readFiles(SparkSession spark, DataSettings.Source c, String qualifiedRoot) {
        Dataset<Row> df = spark.read().format("binaryFile")
                .option("recursiveFileLookup", "true")
                .load(c.path())
                .select("path", "content");
        String prefix = qualifiedRoot.endsWith("/") ? qualifiedRoot : qualifiedRoot + "/";
        return df.javaRDD().map(row -> {
            String path = row.getString(0);
            String id = path.startsWith(prefix) ? path.substring(prefix.length()) : path;
            return new Document(id, (byte[]) row.get(1));
        });
    }

    private static JavaRDD<Document> readTable(SparkSession spark, DataSettings.Source c, DataFormat format) {
        Dataset<Row> df;
        try {
            df = format == DataFormat.PARQUET ? spark.read().parquet(c.path()) : spark.read().json(c.path());
        } catch (RuntimeException e) {
            throw new UserError("cannot read --data " + c.path() + " as " + format.name().toLowerCase(Locale.ROOT)
                    + ": " + oneLine(e));
        }
        return fromRows(df, c.textColumn(), c.idColumn(), "--text-column", "--id-column", c.path());
    }

    /**
     * One document per row of {@code df}: the text from {@code textColumn} (a string column is
     * UTF-8 encoded, a binary column taken as its bytes), the id from {@code idColumn} (any type,
     * as a string), or a hash of the text when that is null. Rows without text (or id) are skipped.
     * {@code textName}/{@code idName} name the two in errors (an option or a Param), {@code source}
     * the data.
     */
    public static JavaRDD<Document> fromRows(Dataset<Row> df, String textColumn, String idColumn, String textName,
            String idName, String source) {
        requireColumn(df, textColumn, textName, source);
        DataType type = df.schema().apply(textColumn).dataType();
        UserError.check(type.equals(DataTypes.StringType) || type.equals(DataTypes.BinaryType),
                "%s '%s' in %s has type %s, expected string or binary", textName, textColumn, source, type.simpleString());
        boolean binary = type.equals(DataTypes.BinaryType);
        if (idColumn == null) {
            return df.select(textColumn).javaRDD()
                    .filter(row -> !row.isNullAt(0))
                    .map(row -> {
                        byte[] text = bytes(row, 0, binary);
                        return new Document(String.format("%016x", Hashing.hash(text)), text);
                    });
        }
        requireColumn(df, idColumn, idName, source);
        return df.select(df.col(textColumn), df.col(idColumn).cast(DataTypes.StringType)).javaRDD()
                .filter(row -> !row.isNullAt(0) && !row.isNullAt(1))
                .map(row -> new Document(row.getString(1), bytes(row, 0, binary)));
    }

    /** The bytes of a text cell: a string's UTF-8 encoding, or a binary cell as it is. */
    public static byte[] bytes(Row row, int column, boolean binary) {
        return binary ? (byte[]) row.get(column) : row.getString(column).getBytes(StandardCharsets.UTF_8);
    }

    private static void requireColumn(Dataset<Row> df, String column, String name, String source) {
        UserError.check(Arrays.asList(df.columns()).contains(column),
                "%s '%s' not found in %s; its columns are: %s", name, column, source, String.join(", ", df.columns()));
    }

    /** AUTO picks by file extension; a Parquet/JSON table without --text-column is an error, not bytes. */
    static DataFormat resolveFormat(DataSettings.Source c, List<String> names) {
        boolean parquet = names.stream().anyMatch(n -> n.endsWith(".parquet"));
        boolean json = names.stream().anyMatch(n -> n.matches(".*\\.(json|jsonl|ndjson)(\\.gz)?$"));
        if (c.format() != DataFormat.AUTO) {
            return c.format();
        }
        if (c.textColumn() == null) {
            UserError.check(!parquet, "--data %s holds Parquet files: pass --text-column NAME", c.path());
            return DataFormat.FILES;
        }
        if (parquet) {
            return DataFormat.PARQUET;
        }
        UserError.check(json, "cannot tell the format of --data %s: pass --format parquet or --format json", c.path());
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
