package diloco.data;

/**
 * A token sequence. Byte-level data (vocabulary 256) is kept as its bytes, four times smaller than
 * int ids; sub-word tokens ({@code --tokenizer}) use the int form.
 */
public final class Tokens implements TokenStream {
    private static final long serialVersionUID = 1L;

    private final byte[] bytes;
    private final int[] ids;

    private Tokens(byte[] bytes, int[] ids) {
        this.bytes = bytes;
        this.ids = ids;
    }

    public static Tokens ofBytes(byte[] bytes) {
        return new Tokens(bytes, null);
    }

    public static Tokens ofIds(int[] ids) {
        return new Tokens(null, ids);
    }

    /** The bytes of byte-level tokens (the array itself, not a copy). */
    public byte[] bytes() {
        if (bytes == null) {
            throw new IllegalStateException("tokens are ids, not bytes");
        }
        return bytes;
    }

    public int length() {
        return bytes != null ? bytes.length : ids.length;
    }

    public int get(int i) {
        return bytes != null ? bytes[i] & 0xff : ids[i];
    }

    @Override
    public long size() {
        return length();
    }

    @Override
    public int at(long i) {
        return get((int) i);
    }

    /** A stable hash of the token values (the data fingerprint is built from it). */
    public long contentHash() {
        if (bytes != null) {
            return Hashing.hash(bytes);
        }
        long h = 0;
        for (int id : ids) {
            h = Hashing.mix(h ^ id);
        }
        return h;
    }

    /** The concatenation of the given sequences (byte form if all are bytes). */
    public static Tokens concat(java.util.List<Tokens> parts) {
        long total = 0;
        boolean allBytes = true;
        for (Tokens t : parts) {
            total += t.length();
            allBytes &= t.bytes != null;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("a worker shard of " + total
                    + " tokens exceeds 2^31: prepare the data once (./submit.sh prepare) and train from it, streamed, or use more --workers");
        }
        int at = 0;
        if (allBytes) {
            byte[] out = new byte[(int) total];
            for (Tokens t : parts) {
                System.arraycopy(t.bytes, 0, out, at, t.bytes.length);
                at += t.bytes.length;
            }
            return ofBytes(out);
        }
        int[] out = new int[(int) total];
        for (Tokens t : parts) {
            t.copyTo(0, t.length(), out, at);
            at += t.length();
        }
        return ofIds(out);
    }

    /** Copies tokens [from, from+n) into {@code dst} at {@code at}. */
    public void copyTo(int from, int n, int[] dst, int at) {
        for (int i = 0; i < n; i++) {
            dst[at + i] = get(from + i);
        }
    }
}
