package diloco.io;

import diloco.model.ParamLayout;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON
 * header mapping each tensor name to {dtype, shape, data_offsets}, then the raw little-endian data.
 * Readable with {@code safetensors.torch.load_file}. Only what this project needs: float32
 * tensors laid out as one flat vector by a {@link ParamLayout}.
 */
public final class SafeTensors {
    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {}

    /** One float32 tensor to write: a name, a shape and a slice of an array. */
    public static final class Tensor {
        final String name;
        final long[] shape;
        final float[] data;
        final int offset;
        final int length;

        public Tensor(String name, long[] shape, float[] data, int offset, int length) {
            this.name = name;
            this.shape = shape;
            this.data = data;
            this.offset = offset;
            this.length = length;
        }
    }

    /** The tensors of θ (flat, in layout order), each named by the layout with {@code prefix}. */
    public static List<Tensor> tensors(ParamLayout layout, float[] flat, String prefix) {
        if (flat.length != layout.size()) {
            throw new IllegalArgumentException("θ has " + flat.length + " values, layout " + layout.size());
        }
        List<Tensor> out = new ArrayList<>();
        for (ParamLayout.Entry e : layout.entries()) {
            out.add(new Tensor(prefix + e.name, e.shape, flat, e.offset, e.size));
        }
        return out;
    }

    /** Writes θ (flat, in layout order) with string metadata. */
    public static void write(OutputStream out, ParamLayout layout, float[] flat, Map<String, String> metadata)
            throws IOException {
        write(out, tensors(layout, flat, ""), metadata);
    }

    /** Writes the tensors, in order, with string metadata. */
    public static void write(OutputStream out, List<Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put("__metadata__", metadata);
        }
        long at = 0;
        for (Tensor t : tensors) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("dtype", "F32");
            h.put("shape", t.shape);
            h.put("data_offsets", new long[] {at, at + 4L * t.length});
            header.put(t.name, h);
            at += 4L * t.length;
        }
        byte[] json = Json.line(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // the format recommends 8-byte alignment, space padded
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        out.write(head.array());
        ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor t : tensors) {
            for (int i = t.offset; i < t.offset + t.length; i++) {
                if (!chunk.hasRemaining()) {
                    out.write(chunk.array(), 0, chunk.position());
                    chunk.clear();
                }
                chunk.putFloat(t.data[i]);
            }
        }
        out.write(chunk.array(), 0, chunk.position());
    }

    /** A parsed file: tensors by name (in file order) and the metadata. */
    public static final class Contents {
        public final Map<String, long[]> shapes = new LinkedHashMap<>();
        public final Map<String, float[]> tensors = new LinkedHashMap<>();
        public final Map<String, String> metadata = new LinkedHashMap<>();

        /** θ as one flat vector in {@code layout}'s order; every name and shape must match, nothing more. */
        public float[] flatten(ParamLayout layout) throws IOException {
            float[] flat = flatten(layout, "");
            if (tensors.size() != layout.entries().size()) {
                throw new IOException("tensors do not match the model: the file has " + tensors.size()
                        + " tensors, the model " + layout.entries().size());
            }
            return flat;
        }

        /** The tensors named {@code prefix + name} for every layout entry, as one flat vector. */
        public float[] flatten(ParamLayout layout, String prefix) throws IOException {
            List<String> missing = new ArrayList<>();
            float[] flat = new float[layout.size()];
            for (ParamLayout.Entry e : layout.entries()) {
                float[] t = tensors.get(prefix + e.name);
                if (t == null) {
                    missing.add(prefix + e.name);
                    continue;
                }
                if (!java.util.Arrays.equals(shapes.get(prefix + e.name), e.shape)) {
                    throw new IOException("tensor " + prefix + e.name + " has shape "
                            + java.util.Arrays.toString(shapes.get(prefix + e.name)) + ", the model expects "
                            + java.util.Arrays.toString(e.shape));
                }
                System.arraycopy(t, 0, flat, e.offset, e.size);
            }
            if (!missing.isEmpty()) {
                throw new IOException("tensors do not match the model: missing " + missing);
            }
            return flat;
        }
    }

    @SuppressWarnings("unchecked")
    public static Contents read(byte[] file) throws IOException {
        if (file.length < 8) {
            throw new IOException("not a safetensors file: " + file.length + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = buf.getLong();
        if (headerLen < 2 || headerLen > MAX_HEADER || 8 + headerLen > file.length) {
            throw new IOException("corrupt safetensors header length " + headerLen + " in a file of " + file.length + " bytes");
        }
        Map<String, Object> header = Json.parseObject(new String(file, 8, (int) headerLen, StandardCharsets.UTF_8));
        int dataStart = 8 + (int) headerLen;
        Contents c = new Contents();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                ((Map<String, Object>) e.getValue()).forEach((k, v) -> c.metadata.put(k, String.valueOf(v)));
                continue;
            }
            Map<String, Object> t = (Map<String, Object>) e.getValue();
            if (!"F32".equals(t.get("dtype"))) {
                throw new IOException("tensor " + e.getKey() + " has dtype " + t.get("dtype") + "; only F32 is supported");
            }
            List<Number> shapeList = (List<Number>) t.get("shape");
            List<Number> offsets = (List<Number>) t.get("data_offsets");
            long[] shape = new long[shapeList.size()];
            long n = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeList.get(i).longValue();
                n *= shape[i];
            }
            long begin = offsets.get(0).longValue();
            long end = offsets.get(1).longValue();
            if (end - begin != 4 * n || begin < 0 || dataStart + end > file.length) {
                throw new IOException("tensor " + e.getKey() + ": offsets " + begin + ".." + end
                        + " do not fit its shape or the file (truncated?)");
            }
            float[] values = new float[(int) n];
            ByteBuffer data = ByteBuffer.wrap(file, dataStart + (int) begin, (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
            data.asFloatBuffer().get(values);
            c.shapes.put(e.getKey(), shape);
            c.tensors.put(e.getKey(), values);
        }
        return c;
    }
}
