package diloco.tokenize;

import diloco.io.HadoopFiles;
import diloco.option.UserError;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;

/** Finds the tokenizer {@code --tokenizer} names. */
public final class Tokenizers {
    /** The file name of a tokenizer in a directory (a model's, an export's, {@code tokenizer --out}'s). */
    public static final String FILE = "tokenizer.json";

    private Tokenizers() {}

    /**
     * {@code bytes}, or a tokenizer.json on any Hadoop path (or a directory holding one). Throws
     * {@link UserError}, one line, when it is missing or not a tokenizer the Rust library loads.
     */
    public static Tokenizer load(Configuration conf, String spec) {
        UserError.check(spec != null && !spec.isBlank(), "--tokenizer is empty: pass bytes or a tokenizer.json");
        if (spec.equals("bytes")) {
            return Tokenizer.BYTES;
        }
        HadoopFiles files = new HadoopFiles(conf);
        Path p = new Path(spec);
        try {
            FileSystem fs = files.fileSystem(p);
            UserError.check(fs.exists(p), "--tokenizer %s does not exist (pass bytes, a tokenizer.json, or a directory "
                    + "holding one)", spec);
            if (fs.getFileStatus(p).isDirectory()) {
                p = new Path(p, FILE);
                UserError.check(fs.exists(p), "--tokenizer %s is a directory without %s", spec, FILE);
            }
            return JsonTokenizer.of(spec, files.read(p));
        } catch (IOException e) {
            throw new UserError("cannot read --tokenizer " + spec + ": " + String.valueOf(e.getMessage()).split("\n")[0]);
        }
    }
}
