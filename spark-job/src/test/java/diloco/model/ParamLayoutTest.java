package diloco.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import diloco.engine.Engines;
import diloco.io.SafeTensors;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

class ParamLayoutTest {
    private static final Gpt GPT = new Gpt(ModelConfig.preset("tiny", 256));

    @Test
    void flatToArraysAndBackIsExact() {
        float[] theta = GPT.initialParameters(9);
        theta[0] = Float.MIN_VALUE; // subnormals and extremes survive
        theta[1] = -Float.MAX_VALUE;
        try (NDManager m = Engines.start(1).newBaseManager()) {
            NDList arrays = GPT.layout().toArrays(theta, m);
            assertEquals(GPT.layout().entries().size(), arrays.size());
            assertEquals("h.0.attn.c_attn.weight", arrays.get(4).getName());
            assertArrayEquals(theta, GPT.layout().flatten(arrays), 0f);
        }
    }

    /** A second JVM builds the same names, shapes and offsets: the order is declared, not hashed. */
    @Test
    void layoutIsIdenticalInAnotherJvm() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LayoutPrinter.class.getName(), "small")
                .redirectErrorStream(true).start();
        String other = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), other);
        assertEquals(LayoutPrinter.describe(new Gpt(ModelConfig.preset("small", 256)).layout()), other);
    }

    @Test
    void safetensorsRoundTripAndFormat() throws IOException {
        ParamLayout layout = GPT.layout();
        float[] theta = GPT.initialParameters(5);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        SafeTensors.write(buf, layout, theta, Map.of("note", "test"));
        byte[] file = buf.toByteArray();

        SafeTensors.Contents c = SafeTensors.read(file);
        assertArrayEquals(theta, c.flatten(layout), 0f);
        assertEquals("test", c.metadata.get("note"));
        assertEquals(layout.names(), Arrays.asList(c.tensors.keySet().toArray(new String[0])));

        // The format by hand: u64 LE header length, JSON header, then LE float32 data.
        ByteBuffer bb = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = bb.getLong();
        assertEquals(0, headerLen % 8);
        String header = new String(file, 8, (int) headerLen, StandardCharsets.UTF_8);
        ParamLayout.Entry ln = layout.get("ln_f.weight");
        String expected = "\"ln_f.weight\":{\"dtype\":\"F32\",\"shape\":[32],\"data_offsets\":["
                + 4L * ln.offset + "," + 4L * (ln.offset + ln.size) + "]}";
        assertEquals(true, header.contains(expected), header);
        assertEquals(8 + headerLen + 4L * theta.length, file.length);
        assertEquals(theta[ln.offset], bb.getFloat((int) (8 + headerLen + 4L * ln.offset)), 0f);
    }

    @Test
    void truncatedOrForeignFilesAreRejected() throws IOException {
        ParamLayout layout = GPT.layout();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        SafeTensors.write(buf, layout, GPT.initialParameters(5), null);
        byte[] file = buf.toByteArray();
        assertThrows(IOException.class, () -> SafeTensors.read(Arrays.copyOf(file, file.length - 100)));
        assertThrows(IOException.class, () -> SafeTensors.read("not a model".getBytes(StandardCharsets.UTF_8)));
        ParamLayout other = new Gpt(new ModelConfig(256, 32, 3, 32, 2, 0f)).layout(); // tiny with 3 layers
        assertThrows(IOException.class, () -> SafeTensors.read(file).flatten(other));
    }
}
