package diloco.ml;

import diloco.io.Records;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * DataFrames of records: one row per record, one column per field, named as in the record's
 * JSON ({@code secInnerMax} → {@code sec_inner_max}, see {@link Records}), typed by the component
 * (boxed components are nullable; a list of records is an array of structs).
 */
final class Frames {
    private Frames() {}

    static <R extends Record> Dataset<Row> of(SparkSession spark, Class<R> type, List<R> records) {
        List<Row> rows = new ArrayList<>(records.size());
        for (R r : records) {
            rows.add(row(r));
        }
        return spark.createDataFrame(rows, schema(type));
    }

    static StructType schema(Class<? extends Record> type) {
        StructType s = new StructType();
        for (Records.Field f : Records.fields(type)) {
            RecordComponent c = f.component();
            s = s.add(f.key(), sparkType(c.getGenericType()), !c.getType().isPrimitive());
        }
        return s;
    }

    @SuppressWarnings("unchecked")
    private static DataType sparkType(Type t) {
        Class<?> raw = t instanceof ParameterizedType ? (Class<?>) ((ParameterizedType) t).getRawType() : (Class<?>) t;
        if (raw == int.class || raw == Integer.class) {
            return DataTypes.IntegerType;
        }
        if (raw == long.class || raw == Long.class) {
            return DataTypes.LongType;
        }
        if (raw == double.class || raw == Double.class) {
            return DataTypes.DoubleType;
        }
        if (raw == float.class || raw == Float.class) {
            return DataTypes.FloatType;
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return DataTypes.BooleanType;
        }
        if (raw == String.class) {
            return DataTypes.StringType;
        }
        if (Record.class.isAssignableFrom(raw)) {
            return schema((Class<? extends Record>) raw);
        }
        if (List.class.isAssignableFrom(raw)) {
            return DataTypes.createArrayType(sparkType(((ParameterizedType) t).getActualTypeArguments()[0]), true);
        }
        throw new IllegalArgumentException("no Spark type for " + t);
    }

    private static Row row(Record r) {
        List<Records.Field> fields = Records.fields(r.getClass());
        Object[] values = new Object[fields.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = value(fields.get(i).get(r));
        }
        return RowFactory.create(values);
    }

    private static Object value(Object v) {
        if (v instanceof Record) {
            return row((Record) v);
        }
        if (v instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object o : (List<?>) v) {
                out.add(value(o));
            }
            return out;
        }
        return v;
    }
}
