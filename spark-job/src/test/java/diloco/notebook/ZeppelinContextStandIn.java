package diloco.notebook;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.List;

/**
 * The part of Zeppelin's {@code z} (ZeppelinContext) the note uses: {@code z.show(df)} renders a
 * DataFrame as Zeppelin's {@code %table} output (a tab-separated header, then one line per row),
 * which the paragraph's graph config draws. Each table is kept for the test to read.
 */
public final class ZeppelinContextStandIn {
    private final List<String> tables = new ArrayList<>();

    public void show(Object dataFrame) {
        show(dataFrame, 1000);
    }

    public void show(Object dataFrame, int maxResult) {
        Dataset<Row> df = ((Dataset<?>) dataFrame).toDF();
        StringBuilder sb = new StringBuilder("%table ").append(String.join("\t", df.columns())).append('\n');
        for (Row r : df.limit(maxResult).collectAsList()) {
            List<String> cells = new ArrayList<>();
            for (int i = 0; i < r.length(); i++) {
                cells.add(String.valueOf(r.get(i)));
            }
            sb.append(String.join("\t", cells)).append('\n');
        }
        tables.add(sb.toString());
        System.out.print(sb);
    }

    List<String> tables() {
        return tables;
    }
}
