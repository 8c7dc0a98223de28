package diloco.engine;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The job's JNI library (src/main/native/torch_settings.c): settings of libtorch that DJL 0.36 does
 * not expose, the float32 matmul precision ({@link MatmulKernels}) and autocast ({@link Precision}).
 * Built into the jar when a C compiler is present; extracted and loaded once per class loader.
 */
final class TorchSettings {
    static final String RESOURCE = "native/libdiloco_torch_settings.so";
    /** "" when loaded, else why not. */
    static final String LOADED = load();

    private TorchSettings() {}

    /** Sets libtorch's float32 matmul precision (a negative value only reads it); returns it. */
    static native int precision(int precision);

    /** glibc's mallopt(M_MMAP_THRESHOLD) and mallopt(M_TRIM_THRESHOLD): 1 when both were taken. */
    static native int keepFreedMemory(long mmapThreshold, long trimThreshold);

    /**
     * Turns autocast on or off on the calling thread for one c10::DeviceType (0 CPU, 1 CUDA),
     * computing in a c10::ScalarType (15 bfloat16) when on, without caching cast weights. Returns
     * whether it is on now (1, 0), or a negative value when libtorch or its symbols are missing.
     */
    static native int autocast(int deviceType, int scalarType, boolean enabled);

    static int set(int precision) {
        int now = precision(precision);
        if (now < 0) {
            throw new IllegalStateException("libtorch's float32 matmul precision cannot be reached (" + now + ")");
        }
        return now;
    }

    private static String load() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "the job's libtorch settings library is built for Linux x86-64 only";
        }
        try (InputStream in = TorchSettings.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "the jar was built without a C compiler, so without the job's libtorch settings library";
            }
            Engine.getEngine("PyTorch"); // libtorch loaded first: the library finds it, never loads it
            // a file of its own per class loader: a JNI library loads into one loader only
            Path file = Files.createTempFile("libdiloco_torch_settings", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            System.load(file.toString());
            int now = precision(-1);
            return now >= 0 ? "" : "libtorch's float32 matmul precision was not found (" + now + ")";
        } catch (IOException | LinkageError | EngineException e) {
            return "the job's libtorch settings library did not load: " + e;
        }
    }
}
