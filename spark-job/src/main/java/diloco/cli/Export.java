package diloco.cli;

import static diloco.config.ModelOptions.EXPORT_OUT;
import static diloco.config.ModelOptions.MODEL;

import diloco.Log;
import diloco.config.ModelOptions;
import diloco.io.HuggingFaceGpt2;
import diloco.run.SavedModel;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.PrintStream;

/**
 * {@code diloco.cli.Export --model DIR --out HF_DIR}: writes a trained model as a Hugging Face GPT-2
 * directory ({@link HuggingFaceGpt2}), which {@code transformers}' {@code GPT2LMHeadModel} loads.
 * Runs on the driver; starts no Spark job.
 */
public final class Export {
    private Export() {}

    static String help() {
        return CommandLine.help("Usage: diloco.cli.Export --model DIR --out HF_DIR\n\n"
                + "Writes a trained model (a training run's --out or a saved DiLoCoModel) as a Hugging Face GPT-2\n"
                + "directory: config.json, model.safetensors in GPT-2's layout, tokenizer.json.\n",
                ModelOptions.export());
    }

    public static void main(String[] args) {
        Command.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        return Command.run(args, help(), out, err, false, sessions -> {
            CommandLine.Values v = CommandLine.parse(ModelOptions.export(), args);
            String model = v.required(MODEL);
            String dir = v.required(EXPORT_OUT);
            Configuration conf = new Configuration();
            SavedModel saved = SavedModel.load(conf, model).model();
            HuggingFaceGpt2.write(conf, new Path(dir), saved.config(), saved.theta(), saved.tokenizer().json());
            Log.standard(out).say("exported %s as a Hugging Face GPT-2 model (%s) to %s", model, saved.config(), dir);
            return 0;
        });
    }
}
