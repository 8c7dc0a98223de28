package diloco.ml;

import diloco.config.Options;
import diloco.option.Option;

import java.util.List;

/**
 * Writes the typed Param methods of {@link DiLoCo} (accessor, getter, setter per option) from
 * {@link Options}, between the GENERATED markers of DiLoCo.java; {@code docs/regen-params.sh}
 * runs it, and a test fails when the committed block differs. Spark finds Params through such
 * public methods, so they must exist; the table stays their only definition.
 */
public final class ParamsSource {
    static final String BEGIN = "    // BEGIN GENERATED PARAMS: diloco.ml.ParamsSource from diloco.config.Options (docs/regen-params.sh)\n";
    static final String END = "    // END GENERATED PARAMS\n";

    private ParamsSource() {}

    public static void main(String[] args) {
        System.out.print(block(Options.params()));
    }

    /** The block, markers included. */
    static String block(List<Option<?>> options) {
        StringBuilder sb = new StringBuilder(BEGIN);
        for (Option<?> o : options) {
            String name = o.key();
            String cap = Character.toUpperCase(name.charAt(0)) + name.substring(1);
            String constant = constant(o);
            String[] t = types(o);
            sb.append("\n    /** ").append(OptionParams.doc(o).replace("*/", "* /")).append(" (command line: ")
                    .append(o.flag()).append(") */\n");
            sb.append("    public ").append(t[0]).append(' ').append(name).append("() {\n        return (").append(t[0])
                    .append(") options.get(").append(constant).append(");\n    }\n\n");
            sb.append("    public ").append(t[1]).append(" get").append(cap).append("() {\n        return (").append(t[2])
                    .append(") getOrDefault(").append(name).append("());\n    }\n\n");
            sb.append("    public DiLoCo set").append(cap).append('(').append(t[1]).append(" value) {\n        return set(")
                    .append(constant).append(", value);\n    }\n");
        }
        return sb.append(END).toString();
    }

    /** {Param type, value type, boxed type} of an option's Param. */
    private static String[] types(Option<?> o) {
        Class<?> t = o.type().javaType();
        if (o.type().choices() != null || t == String.class) {
            return new String[] {"Param<String>", "String", "String"};
        }
        if (t == Integer.class) {
            return new String[] {"IntParam", "int", "Integer"};
        }
        if (t == Long.class) {
            return new String[] {"LongParam", "long", "Long"};
        }
        if (t == Float.class) {
            return new String[] {"FloatParam", "float", "Float"};
        }
        if (t == Double.class) {
            return new String[] {"DoubleParam", "double", "Double"};
        }
        return new String[] {"BooleanParam", "boolean", "Boolean"};
    }

    /** The option's constant in {@link Options}: innerSteps → INNER_STEPS. */
    static String constant(Option<?> o) {
        return "Options." + o.recordKey().toUpperCase(java.util.Locale.ROOT);
    }
}
