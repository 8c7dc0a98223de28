package diloco.ml;

import diloco.config.Options;
import diloco.config.TrainConfig;
import diloco.option.Option;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.FloatParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.Identifiable;

import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spark ML Params made from {@link Options}: one Param per option, named by its key, typed by its
 * type (an enum is a string Param of its lowercase names), documented by its doc, defaulting to its
 * default, and checked by its check (a bad value fails at {@code set}, with the command line's
 * message naming the Param). A stage holds one instance, created after its uid is set.
 */
final class OptionParams implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pattern FLAG = Pattern.compile("--[a-z][a-z0-9-]*");

    private final Map<String, Param<?>> byKey = new LinkedHashMap<>();

    /** Params of {@code options} owned by {@code owner}; then {@link #setDefaults} once the owner holds them. */
    OptionParams(Identifiable owner, List<Option<?>> options) {
        for (Option<?> o : options) {
            byKey.put(o.key(), create(owner, o));
        }
    }

    /** Sets the table's defaults on {@code owner} (which must already answer for these Params). */
    void setDefaults(Params owner, List<Option<?>> options) {
        for (Option<?> o : options) {
            setDefault(owner, o, get(o));
        }
    }

    /** The Param of an option (by its key). */
    Param<?> get(Option<?> o) {
        Param<?> p = byKey.get(o.key());
        if (p == null) {
            throw new IllegalArgumentException("no Param for " + o.flag());
        }
        return p;
    }

    /** A Param value as the option holds it (an enum's string parsed), checked; from user code, any boxed number. */
    static Object toOption(Option<?> o, Object value) {
        if (o.type().choices() != null) {
            return o.type().parse(o.key(), (String) value);
        }
        Class<?> t = o.type().javaType();
        if (value instanceof Number n) {
            if (t == Integer.class) {
                return n.intValue();
            }
            if (t == Long.class) {
                return n.longValue();
            }
            if (t == Float.class) {
                return n.floatValue();
            }
            if (t == Double.class) {
                return n.doubleValue();
            }
        }
        return value;
    }

    /** An option value as its Param holds it (an enum as its lowercase name; a name stays as given). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Object toParam(Option o, Object value) {
        return value instanceof Enum ? o.type().text(value) : value;
    }

    /** The configuration the owner's set Params ask for (unset ones keep the table's defaults), unchecked as a whole. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    TrainConfig.Builder configure(Params owner, List<Option<?>> options) {
        TrainConfig.Builder b = TrainConfig.builder();
        for (Option o : options) {
            Param p = get(o);
            if (owner.isSet(p)) {
                b.set(o, toOption(o, owner.getOrDefault(p)));
            }
        }
        return b;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void setDefault(Params owner, Option o, Param p) {
        if (o.defaultValue() != null) {
            owner.setDefault(p, toParam(o, o.defaultValue()));
        }
    }

    private static Param<?> create(Identifiable owner, Option<?> o) {
        String doc = doc(o);
        Valid<Object> valid = new Valid<>(o);
        Class<?> t = o.type().javaType();
        if (o.type().choices() != null || t == String.class) {
            return new Param<String>(owner, o.key(), doc, new Valid<String>(o));
        }
        if (t == Integer.class) {
            return new IntParam(owner, o.key(), doc, valid);
        }
        if (t == Long.class) {
            return new LongParam(owner, o.key(), doc, valid);
        }
        if (t == Float.class) {
            return new FloatParam(owner, o.key(), doc, valid);
        }
        if (t == Double.class) {
            return new DoubleParam(owner, o.key(), doc, valid);
        }
        if (t == Boolean.class) {
            return new BooleanParam(owner, o.key(), doc);
        }
        throw new IllegalArgumentException("no Param type for " + t);
    }

    /** The option's doc with the command-line flags it mentions written as Param names (--inner-steps → innerSteps). */
    static String doc(Option<?> o) {
        Map<String, Option<?>> flags = Options.byFlag();
        Matcher m = FLAG.matcher(o.doc() + (o.type().choices() != null ? " (" + o.type().choices() + ")" : ""));
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            Option<?> named = flags.get(m.group());
            m.appendReplacement(sb, Matcher.quoteReplacement(named != null ? named.key() : m.group()));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** The option's check as a Param validator: it throws the check's UserError, naming the Param. */
    private static final class Valid<T> extends AbstractFunction1<T, Object> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Option<?> option;

        Valid(Option<?> option) {
            this.option = option;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public Object apply(T value) {
            Object v = toOption(option, value); // an enum's name is checked by parsing it
            ((Option) option).check(option.key(), v);
            return true;
        }
    }
}
