package diloco.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model's parameters as one flat float32 vector: a fixed list of named tensors, each at a
 * fixed offset. The order is the order the model declares them in (never a hash order), so the
 * same model has the same layout in every JVM; this is what makes θ a plain {@code float[]} that
 * the driver can broadcast, average and update without any tensor library.
 */
public final class ParamLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One named tensor of the layout. */
    public static final class Entry implements Serializable {
        private static final long serialVersionUID = 1L;
        public final String name;
        public final long[] shape;
        public final int offset;
        public final int size;
        /** Whether AdamW weight decay applies (matrices and embeddings, not biases or norms). */
        public final boolean decay;

        Entry(String name, long[] shape, int offset, boolean decay) {
            this.name = name;
            this.shape = shape.clone();
            this.offset = offset;
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("tensor " + name + " too large: " + n);
            }
            this.size = (int) n;
            this.decay = decay;
        }

        public Shape djlShape() {
            return new Shape(shape);
        }
    }

    private final List<Entry> entries;
    private final Map<String, Entry> byName;
    private final int totalSize;

    private ParamLayout(List<Entry> entries) {
        this.entries = Collections.unmodifiableList(entries);
        Map<String, Entry> m = new LinkedHashMap<>();
        long total = 0;
        for (Entry e : entries) {
            if (m.put(e.name, e) != null) {
                throw new IllegalArgumentException("duplicate parameter name " + e.name);
            }
            total += e.size;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("model has " + total + " parameters; a flat float[] holds at most 2^31");
        }
        this.byName = m;
        this.totalSize = (int) total;
    }

    public List<Entry> entries() {
        return entries;
    }

    public Entry get(String name) {
        Entry e = byName.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no parameter named " + name);
        }
        return e;
    }

    public int size() {
        return totalSize;
    }

    public List<String> names() {
        List<String> names = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            names.add(e.name);
        }
        return names;
    }

    /** Copies θ into new arrays on {@code manager} (in PyTorch's own memory), one per entry, in layout order. */
    public NDList toArrays(float[] flat, NDManager manager) {
        checkLength(flat);
        NDList list = new NDList(entries.size());
        for (Entry e : entries) {
            NDArray a = HostArrays.of(manager, flat, e.offset, e.djlShape());
            a.setName(e.name);
            list.add(a);
        }
        return list;
    }

    /** Copies arrays (in layout order) back into one flat vector. */
    public float[] flatten(NDList arrays) {
        float[] flat = new float[totalSize];
        if (arrays.size() != entries.size()) {
            throw new IllegalArgumentException("expected " + entries.size() + " arrays, got " + arrays.size());
        }
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            float[] values = arrays.get(i).toFloatArray();
            if (values.length != e.size) {
                throw new IllegalArgumentException(e.name + ": expected " + e.size + " values, got " + values.length);
            }
            System.arraycopy(values, 0, flat, e.offset, e.size);
        }
        return flat;
    }

    private void checkLength(float[] flat) {
        if (flat.length != totalSize) {
            throw new IllegalArgumentException("flat vector has " + flat.length + " values, layout needs " + totalSize);
        }
    }

    /** Builds a layout in declaration order. */
    public static final class Builder {
        private final List<Entry> entries = new ArrayList<>();
        private int offset;

        public Builder add(String name, boolean decay, long... shape) {
            Entry e = new Entry(name, shape, offset, decay);
            entries.add(e);
            offset += e.size;
            return this;
        }

        public ParamLayout build() {
            return new ParamLayout(entries);
        }
    }
}
