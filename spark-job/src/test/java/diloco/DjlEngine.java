package diloco;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

import diloco.engine.Engines;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The PyTorch engine at one thread, as a worker starts it, and a base manager for a test class
 * that calls DJL directly; closed after the class. Register it as
 * {@code @RegisterExtension static final DjlEngine DJL = new DjlEngine();}.
 */
public final class DjlEngine implements BeforeAllCallback, AfterAllCallback {
    private Engine engine;
    private NDManager manager;

    @Override
    public void beforeAll(ExtensionContext context) {
        engine = Engines.start(1);
        manager = engine.newBaseManager();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        manager.close();
    }

    public Engine engine() {
        return engine;
    }

    public NDManager manager() {
        return manager;
    }
}
