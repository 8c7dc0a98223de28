package diloco.io;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON maps of records, read off their components: a component {@code secInnerMax} is the key
 * {@code sec_inner_max}. The record's declaration is thus the one definition of a file's fields
 * (metrics.jsonl lines, checkpoint state). Components may be primitives, their boxes (null =
 * absent), strings, records, and lists of those. A record component marked {@link Inline} groups
 * fields in Java and adds its own components at its parent's level, so a record can be grouped
 * without changing the file it writes.
 */
public final class Records {
    private Records() {}

    /** A record component whose own components stand at its parent's level in JSON (and in DataFrames). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface Inline {}

    /**
     * One field of a record as files see it: its key, and the components that lead to it (one, or
     * several through {@link Inline} groups).
     */
    public record Field(String key, List<RecordComponent> path) {

        /** The field's value in {@code r}. */
        public Object get(Record r) {
            Object v = r;
            for (RecordComponent c : path) {
                v = Records.get(c, (Record) v);
            }
            return v;
        }

        /** The component that holds the value. */
        public RecordComponent component() {
            return path.get(path.size() - 1);
        }
    }

    /** Each record type's fields, read off its components once (metrics.jsonl is rewritten every round). */
    @SuppressWarnings("unchecked")
    private static final ClassValue<List<Field>> FIELDS = new ClassValue<>() {
        @Override
        protected List<Field> computeValue(Class<?> type) {
            List<Field> out = new ArrayList<>();
            addFields((Class<? extends Record>) type, List.of(), out);
            return List.copyOf(out);
        }
    };

    /** The fields of records of {@code type}, in declaration order, {@link Inline} groups expanded. */
    public static List<Field> fields(Class<? extends Record> type) {
        return FIELDS.get(type);
    }

    @SuppressWarnings("unchecked")
    private static void addFields(Class<? extends Record> type, List<RecordComponent> prefix, List<Field> out) {
        for (RecordComponent c : type.getRecordComponents()) {
            List<RecordComponent> path = new ArrayList<>(prefix);
            path.add(c);
            if (c.isAnnotationPresent(Inline.class)) {
                addFields((Class<? extends Record>) c.getType(), path, out);
            } else {
                out.add(new Field(snake(c.getName()), List.copyOf(path)));
            }
        }
    }

    /** {@code secInnerMax} → {@code sec_inner_max}. */
    public static String snake(String camel) {
        StringBuilder sb = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('_').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The record as an ordered map, keys in snake_case, nested records as maps. */
    public static Map<String, Object> toJson(Record r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Field f : fields(r.getClass())) {
            m.put(f.key(), toJsonValue(f.get(r)));
        }
        return m;
    }

    private static Object toJsonValue(Object v) {
        if (v instanceof Record) {
            return toJson((Record) v);
        }
        if (v instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object o : (List<?>) v) {
                out.add(toJsonValue(o));
            }
            return out;
        }
        return v;
    }

    /** The record of type {@code type} that {@link #toJson} wrote; absent keys give null (or 0, false). */
    @SuppressWarnings("unchecked")
    public static <R extends Record> R fromJson(Class<R> type, Map<String, ?> m) {
        RecordComponent[] cs = type.getRecordComponents();
        Object[] args = new Object[cs.length];
        Class<?>[] types = new Class<?>[cs.length];
        for (int i = 0; i < cs.length; i++) {
            types[i] = cs[i].getType();
            args[i] = cs[i].isAnnotationPresent(Inline.class) ? fromJson((Class<? extends Record>) types[i], m)
                    : fromJsonValue(cs[i].getGenericType(), m.get(snake(cs[i].getName())));
        }
        try {
            Constructor<R> ctor = type.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("cannot read a " + type.getSimpleName() + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Object fromJsonValue(Type t, Object v) {
        Class<?> raw = t instanceof ParameterizedType ? (Class<?>) ((ParameterizedType) t).getRawType() : (Class<?>) t;
        if (v == null) {
            return raw == boolean.class ? false : raw.isPrimitive() ? convert(raw, 0) : null;
        }
        if (Record.class.isAssignableFrom(raw)) {
            return fromJson((Class<? extends Record>) raw, (Map<String, ?>) v);
        }
        if (List.class.isAssignableFrom(raw)) {
            Type element = ((ParameterizedType) t).getActualTypeArguments()[0];
            List<Object> out = new ArrayList<>();
            for (Object o : (List<?>) v) {
                out.add(fromJsonValue(element, o));
            }
            return List.copyOf(out);
        }
        if (v instanceof Number) {
            return convert(raw, (Number) v);
        }
        return v;
    }

    private static Object convert(Class<?> type, Number n) {
        if (type == int.class || type == Integer.class) {
            return n.intValue();
        }
        if (type == long.class || type == Long.class) {
            return n.longValue();
        }
        if (type == float.class || type == Float.class) {
            return n.floatValue();
        }
        if (type == double.class || type == Double.class) {
            return n.doubleValue();
        }
        return n;
    }

    /** The value of component {@code c} of {@code r}. */
    public static Object get(RecordComponent c, Record r) {
        try {
            c.getAccessor().setAccessible(true);
            return c.getAccessor().invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
