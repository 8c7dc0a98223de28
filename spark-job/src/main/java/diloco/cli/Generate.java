package diloco.cli;

import static diloco.config.ModelOptions.MAX_BYTES;
import static diloco.config.ModelOptions.MODEL;
import static diloco.config.ModelOptions.PROMPT;
import static diloco.config.ModelOptions.SAMPLING_SEED;
import static diloco.config.ModelOptions.TEMPERATURE;
import static diloco.config.ModelOptions.TOP_K;
import static diloco.config.Options.DEVICE;
import static diloco.config.Options.MATMUL_KERNELS;
import static diloco.config.Options.THREADS_PER_WORKER;

import diloco.config.ModelOptions;
import diloco.engine.ComputeSettings;
import diloco.run.SavedModel;
import diloco.spark.TaskResources;

import org.apache.hadoop.conf.Configuration;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code diloco.cli.Generate --model DIR --prompt TEXT}: prints text the model samples after the
 * prompt (the continuation only). Runs on the driver; starts no Spark job.
 */
public final class Generate {
    private Generate() {}

    static String help() {
        return CommandLine.help("Usage: diloco.cli.Generate --model DIR [--prompt TEXT] [options]\n\n"
                + "Prints text sampled from a trained model after --prompt: the continuation, up to --max-bytes\n"
                + "bytes decoded as UTF-8. DIR is a training run's --out or a saved DiLoCoModel.\n",
                ModelOptions.generate());
    }

    public static void main(String[] args) {
        Command.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        return Command.run(args, help(), out, err, false, sessions -> {
            CommandLine.Values v = CommandLine.parse(ModelOptions.generate(), args);
            SavedModel model = SavedModel.load(new Configuration(), v.required(MODEL)).model();
            ComputeSettings compute = TaskResources.resolve(new ComputeSettings(v.get(THREADS_PER_WORKER), v.get(DEVICE),
                    v.get(MATMUL_KERNELS)));
            byte[] text = model.generate(compute, v.get(PROMPT).getBytes(StandardCharsets.UTF_8), v.get(MAX_BYTES),
                    v.get(TEMPERATURE), v.get(TOP_K), v.get(SAMPLING_SEED));
            out.println(new String(text, StandardCharsets.UTF_8));
            out.flush();
            return 0;
        });
    }
}
