package diloco.config;

import diloco.io.HadoopFiles;
import diloco.option.Option;
import diloco.option.UserError;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * Options from a file ({@code --config FILE}, {@code DiLoCo.setConfig}): Java properties, as
 * spark-defaults.conf, on any Hadoop path: {@code name value} or {@code name=value} lines,
 * {@code #} comments. A name is an option's flag without its dashes ({@code inner-steps}); a flag's
 * value is true or false. Every name is checked against the option table.
 */
public final class OptionsFile {
    private OptionsFile() {}

    /** Each option the file names with its value's text, in name order; throws {@link UserError} on bad input. */
    public static Map<Option<?>, String> read(Configuration conf, String file) {
        Properties props = new Properties();
        try {
            byte[] bytes = new HadoopFiles(conf).read(new Path(file));
            props.load(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException e) {
            throw new UserError("cannot read --config " + file + ": " + String.valueOf(e.getMessage()).split("\n")[0]);
        }
        Map<String, Option<?>> byFlag = new LinkedHashMap<>();
        Options.all().forEach(o -> byFlag.put(o.flag(), o));
        Map<Option<?>, String> out = new LinkedHashMap<>();
        for (String name : new TreeSet<>(props.stringPropertyNames())) {
            Option<?> o = byFlag.get("--" + (name.startsWith("--") ? name.substring(2) : name));
            UserError.check(o != null, "unknown option '%s' in --config %s (names are the options' flags without --; "
                    + "see --help)", name, file);
            UserError.check(o != Options.CONFIG, "--config %s names another --config: one file only", file);
            String value = props.getProperty(name).trim();
            UserError.check(!o.type().isFlag() || value.equals("true") || value.equals("false"),
                    "%s in --config %s must be true or false, got '%s'", name, file, value);
            out.put(o, value);
        }
        return out;
    }
}
