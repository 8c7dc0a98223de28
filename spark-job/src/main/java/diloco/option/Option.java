package diloco.option;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One knob of a DiLoCo run, defined once: its key, type, default, documentation and check. The
 * command line ({@code --inner-steps}), the Spark ML Param ({@code innerSteps}), the
 * {@code run.json} record ({@code inner_steps}), {@code --help} and the resume check all derive
 * from it. The table of a run's options is {@code diloco.config.Options}; commands and tools keep
 * tables of their own.
 *
 * @param <T> the value's Java type
 */
public final class Option<T> implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Where an option exists besides the command line. */
    public enum Scope {
        /** Command line, Spark ML Param and run record. */
        EVERYWHERE,
        /** Command line only: in the ML API a DataFrame or the session takes its place. */
        COMMAND_LINE
    }

    /** What a resumed run may do with a different value than its checkpoint's. */
    public enum OnResume {
        /** Must equal the checkpoint's: it defines θ's meaning, the shards or the batch sequence. */
        FIXED,
        /** May change; the change is reported. */
        NOTED,
        /** May change silently: how the run is operated, not what it computes. */
        FREE
    }

    private final String key;
    private final Type<T> type;
    private final T defaultValue;
    private final String defaultText;
    private final String placeholder;
    private final String doc;
    private final Check<? super T> check;
    private final Scope scope;
    private final OnResume onResume;
    private final boolean recorded;
    /** Set once, by the builder or the table that lists the option. */
    private String section;

    private Option(Builder<T> b) {
        this.key = b.key;
        this.type = b.type;
        this.defaultValue = b.defaultValue;
        this.defaultText = b.defaultText;
        this.placeholder = b.placeholder;
        this.doc = b.doc;
        this.check = b.check;
        this.scope = b.scope;
        this.onResume = b.onResume;
        this.recorded = b.recorded;
        this.section = b.section;
    }

    /**
     * Lists this option under the --help section {@code title}, when it has none yet (a table sets
     * the section of each of its options as it defines them); returns it.
     */
    public Option<T> inSection(String title) {
        if (section == null) {
            section = title;
        }
        return this;
    }

    /** The camelCase key: the Spark ML Param's name. */
    public String key() {
        return key;
    }

    /** The command-line flag, {@code --kebab-case} of the key. */
    public String flag() {
        return "--" + words("-");
    }

    /** The key in run.json's config and checkpoints, snake_case. */
    public String recordKey() {
        return words("_");
    }

    private String words(String separator) {
        StringBuilder sb = new StringBuilder();
        for (char c : key.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append(separator).append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    public Type<T> type() {
        return type;
    }

    /** The default, or null where there is none or it is derived (the doc says from what). */
    public T defaultValue() {
        return defaultValue;
    }

    /** The default as --help shows it, or null when the help shows none. */
    public String defaultText() {
        if (defaultText != null) {
            return defaultText;
        }
        return defaultValue == null || type.isFlag() ? null : type.text(defaultValue);
    }

    /** The value placeholder in --help ({@code K}, {@code PATH}, the choices of an enum); null for a flag. */
    public String placeholder() {
        return type.isFlag() ? null : placeholder != null ? placeholder : type.choices();
    }

    public String doc() {
        return doc;
    }

    public String section() {
        return section;
    }

    public Scope scope() {
        return scope;
    }

    public OnResume onResume() {
        return onResume;
    }

    /** Whether the value is part of what a run records as its configuration. */
    public boolean recorded() {
        return recorded;
    }

    /** Checks a value, naming the option as {@code name} in the error; throws {@link UserError}. */
    public void check(String name, T value) {
        if (value != null && check != null) {
            check.check(name, value);
        }
    }

    /** Parses and checks text given for this option (a command-line value). */
    public T parse(String text) {
        T value = type.parse(flag(), text);
        check(flag(), value);
        return value;
    }

    /**
     * The arguments that give this option {@code value} on a command line: its flag and the value's
     * text; a switch alone (nothing when off).
     */
    public List<String> args(T value) {
        if (type.isFlag()) {
            return Boolean.TRUE.equals(value) ? List.of(flag()) : List.of();
        }
        return List.of(flag(), type.text(value));
    }

    @Override
    public String toString() {
        return flag();
    }

    // ---- definition ----

    public static Builder<Integer> integer(String key) {
        return new Builder<>(key, Type.INT);
    }

    public static Builder<Long> longInteger(String key) {
        return new Builder<>(key, Type.LONG);
    }

    public static Builder<Float> real(String key) {
        return new Builder<>(key, Type.FLOAT);
    }

    /** A number kept in double precision (fractions and probabilities print as typed). */
    public static Builder<Double> decimal(String key) {
        return new Builder<>(key, Type.DOUBLE);
    }

    public static Builder<String> text(String key) {
        return new Builder<>(key, Type.STRING);
    }

    /** A switch: present on the command line means true. */
    public static Builder<Boolean> flag(String key) {
        return new Builder<Boolean>(key, Type.FLAG).byDefault(false);
    }

    public static <E extends Enum<E>> Builder<E> choice(String key, Class<E> values) {
        return new Builder<>(key, Type.enumOf(values));
    }

    /** Comma-separated values of one type ({@code 0,1,2}); give it a placeholder. */
    public static <E> Builder<List<E>> list(String key, Type<E> element) {
        return new Builder<>(key, Type.listOf(element));
    }

    /** Fluent definition of an option; {@link #doc(String)} ends it. */
    public static final class Builder<T> {
        private final String key;
        private final Type<T> type;
        private T defaultValue;
        private String defaultText;
        private String placeholder;
        private String doc;
        private Check<? super T> check;
        private Scope scope = Scope.EVERYWHERE;
        private OnResume onResume = OnResume.NOTED;
        private boolean recorded = true;
        private String section;

        private Builder(String key, Type<T> type) {
            this.key = key;
            this.type = type;
        }

        public Builder<T> byDefault(T value) {
            this.defaultValue = value;
            return this;
        }

        /** What --help shows as the default when it is not a plain value. */
        public Builder<T> defaultShownAs(String text) {
            this.defaultText = text;
            return this;
        }

        public Builder<T> placeholder(String text) {
            this.placeholder = text;
            return this;
        }

        public Builder<T> check(Check<? super T> c) {
            this.check = c;
            return this;
        }

        /** The --help section it is listed under. */
        public Builder<T> section(String title) {
            this.section = title;
            return this;
        }

        public Builder<T> commandLineOnly() {
            this.scope = Scope.COMMAND_LINE;
            return this;
        }

        public Builder<T> onResume(OnResume policy) {
            this.onResume = policy;
            return this;
        }

        /** How the run starts, not what it is (e.g. --resume): not part of its recorded configuration. */
        public Builder<T> notRecorded() {
            this.recorded = false;
            return this;
        }

        public Option<T> doc(String text) {
            this.doc = text;
            return new Option<>(this);
        }
    }

    // ---- checks ----

    /** A check of a value; throws {@link UserError} naming the option as given. */
    @FunctionalInterface
    public interface Check<T> extends Serializable {
        void check(String name, T value);

        /** {@code value >= min}; {@code note} explains a special value (e.g. "0 = no limit"). */
        static Check<Number> atLeast(long min, String note) {
            return (name, v) -> UserError.check(v.doubleValue() >= min && Double.isFinite(v.doubleValue()),
                    "%s must be >= %d%s, got %s", name, min, note == null ? "" : " (" + note + ")", v);
        }

        static Check<Number> atLeast(long min) {
            return atLeast(min, null);
        }

        /** A finite number > 0. */
        static Check<Number> positive() {
            return (name, v) -> UserError.check(v.doubleValue() > 0 && Double.isFinite(v.doubleValue()),
                    "%s must be > 0, got %s", name, v);
        }

        /** In [0, 1) or, with {@code closed}, [0, 1]. */
        static Check<Number> unit(boolean closed) {
            return (name, v) -> UserError.check(v.doubleValue() >= 0 && (closed ? v.doubleValue() <= 1 : v.doubleValue() < 1),
                    "%s must be in [0, 1%s, got %s", name, closed ? "]" : ")", v);
        }
    }

    // ---- types ----

    /** How values of an option are parsed from text, shown, and recorded. */
    public abstract static class Type<T> implements Serializable {
        private static final long serialVersionUID = 1L;

        public static final Type<Integer> INT = new Type<>(Integer.class) {
            @Override
            Integer parseText(String s) {
                return Integer.parseInt(s);
            }

            @Override
            String expects() {
                return "an integer";
            }
        };
        public static final Type<Long> LONG = new Type<>(Long.class) {
            @Override
            Long parseText(String s) {
                return Long.parseLong(s);
            }

            @Override
            String expects() {
                return "an integer";
            }
        };
        public static final Type<Float> FLOAT = new Type<>(Float.class) {
            @Override
            Float parseText(String s) {
                return finite(Float.parseFloat(s), s);
            }

            @Override
            public String text(Float v) {
                return Float.toString(v).replace(".0E", "E").replace('E', 'e');
            }
        };
        public static final Type<Double> DOUBLE = new Type<>(Double.class) {
            @Override
            Double parseText(String s) {
                return finite(Double.parseDouble(s), s);
            }

            @Override
            public String text(Double v) {
                return v == 0 ? "0" : v.toString();
            }
        };
        public static final Type<String> STRING = new Type<>(String.class) {
            @Override
            String parseText(String s) {
                return s;
            }
        };
        public static final Type<Boolean> FLAG = new Type<>(Boolean.class) {
            @Override
            Boolean parseText(String s) {
                return Boolean.parseBoolean(s);
            }
        };

        private final Class<T> javaType;

        Type(Class<T> javaType) {
            this.javaType = javaType;
        }

        public Class<T> javaType() {
            return javaType;
        }

        abstract T parseText(String s);

        String expects() {
            return "a number";
        }

        public boolean isFlag() {
            return this == FLAG;
        }

        /** Parses command-line text; throws {@link UserError} naming {@code name}. */
        public T parse(String name, String s) {
            try {
                return parseText(javaType == String.class ? s : s.trim());
            } catch (NumberFormatException e) {
                throw new UserError(name + " expects " + expects() + ", got '" + s + "'");
            }
        }

        /** The value as a person types it. */
        public String text(T v) {
            return String.valueOf(v);
        }

        /** The value as a run records it (JSON): numbers and strings; enums by their typed name. */
        public Object record(T v) {
            return v;
        }

        /** The choices of an enum as {@code a|b|c}; null for other types. */
        public String choices() {
            return null;
        }

        public T cast(Object o) {
            return javaType.cast(o);
        }

        static <N extends Number> N finite(N n, String s) {
            if (!Double.isFinite(n.doubleValue())) {
                throw new UserError("a finite number is expected, got '" + s + "'");
            }
            return n;
        }

        @SuppressWarnings("unchecked")
        static <E> Type<List<E>> listOf(Type<E> element) {
            return new Type<>((Class<List<E>>) (Class<?>) List.class) {
                @Override
                List<E> parseText(String s) {
                    return each(s, element::parseText);
                }

                @Override
                public List<E> parse(String name, String s) {
                    return each(s, part -> element.parse(name, part)); // the error names the bad element
                }

                private List<E> each(String s, Function<String, E> parse) {
                    List<E> values = new ArrayList<>();
                    for (String part : s.split(",", -1)) {
                        values.add(parse.apply(part.trim()));
                    }
                    return List.copyOf(values);
                }

                @Override
                public String text(List<E> v) {
                    return v.stream().map(element::text).collect(Collectors.joining(","));
                }

                @Override
                public Object record(List<E> v) {
                    return v.stream().map(element::record).toList();
                }
            };
        }

        /** An enum's constants by their lowercase names (a list's element type, as {@link Option#choice} is one value's). */
        public static <E extends Enum<E>> Type<E> enumOf(Class<E> values) {
            return new Type<>(values) {
                @Override
                E parseText(String s) {
                    for (E e : values.getEnumConstants()) {
                        if (name(e).equals(s.toLowerCase(Locale.ROOT)) || e.name().equalsIgnoreCase(s)) {
                            return e;
                        }
                    }
                    return null;
                }

                @Override
                public E parse(String name, String s) {
                    E e = parseText(s.trim());
                    if (e == null) {
                        throw new UserError(name + " must be one of " + String.join(", ", names()) + ", got '" + s + "'");
                    }
                    return e;
                }

                @Override
                public String text(E v) {
                    return name(v);
                }

                @Override
                public Object record(E v) {
                    return name(v);
                }

                @Override
                public String choices() {
                    return String.join("|", names());
                }

                private List<String> names() {
                    List<String> n = new ArrayList<>();
                    for (E e : values.getEnumConstants()) {
                        n.add(name(e));
                    }
                    return n;
                }

                private String name(E e) {
                    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
                }
            };
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Option && ((Option<?>) o).key.equals(key);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key);
    }
}
