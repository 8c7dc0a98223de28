package diloco.data;

import diloco.option.UserError;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.Serializable;

/**
 * Where a run's documents come from: the files of {@code --data} (the command line), or the rows
 * of a DataFrame (the Spark ML Estimator).
 */
public interface DocumentSource extends Serializable {

    /** The documents, read lazily; throws {@link UserError} on bad input. */
    JavaRDD<Document> read(SparkSession spark);

    /** The data as messages name it ("--data PATH", "the DataFrame"). */
    String describe();

    /** The path of {@code --data} (where a prepared dataset would be), or null for data that is no path. */
    default String path() {
        return null;
    }

    /** The documents of {@code --data} and its format options (see {@link Corpus}). */
    static DocumentSource of(DataSettings.Source data) {
        return new DocumentSource() {
            private static final long serialVersionUID = 1L;

            @Override
            public JavaRDD<Document> read(SparkSession spark) {
                return Corpus.load(spark, data);
            }

            @Override
            public String describe() {
                return "--data " + data.path();
            }

            @Override
            public String path() {
                return data.path();
            }
        };
    }

    /** One document per row of {@code df} (see {@link Corpus#fromRows}); Params name the columns. */
    static DocumentSource rows(Dataset<Row> df, String textCol, String idCol) {
        return new DocumentSource() {
            private static final long serialVersionUID = 1L;

            @Override
            public JavaRDD<Document> read(SparkSession spark) {
                return Corpus.fromRows(df, textCol, idCol, "textCol", "idCol", describe());
            }

            @Override
            public String describe() {
                return "the DataFrame";
            }
        };
    }
}
