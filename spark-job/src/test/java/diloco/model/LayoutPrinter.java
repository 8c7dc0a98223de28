package diloco.model;


/** Prints a model's layout; run in a separate JVM by {@link ParamLayoutTest}. */
public final class LayoutPrinter {
    private LayoutPrinter() {}

    public static void main(String[] args) {
        System.out.print(describe(new Gpt(ModelConfig.preset(args[0], 256)).layout()));
    }

    static String describe(ParamLayout layout) {
        StringBuilder sb = new StringBuilder();
        for (ParamLayout.Entry e : layout.entries()) {
            sb.append(e.name).append(' ').append(java.util.Arrays.toString(e.shape)).append(' ').append(e.offset).append('\n');
        }
        return sb.toString();
    }
}
