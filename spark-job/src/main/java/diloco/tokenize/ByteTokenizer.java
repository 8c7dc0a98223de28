package diloco.tokenize;

import diloco.io.HadoopFiles;

import java.util.List;

/** Each byte its own token, id = the byte; its tokenizer.json is byte-level BPE without merges. */
final class ByteTokenizer implements Tokenizer {
    private static final long serialVersionUID = 1L;
    private static final byte[] JSON = TokenizerJson.byteLevelBpe(List.of());
    private static final String SHA256 = HadoopFiles.sha256(JSON);

    @Override
    public String name() {
        return "bytes";
    }

    @Override
    public int vocabSize() {
        return 256;
    }

    @Override
    public int[] encode(byte[] text) {
        int[] ids = new int[text.length];
        for (int i = 0; i < text.length; i++) {
            ids[i] = text[i] & 0xff;
        }
        return ids;
    }

    @Override
    public byte[] decode(int[] ids) {
        byte[] out = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] > 255) {
                throw new IllegalArgumentException("id " + ids[i] + " is not a byte");
            }
            out[i] = (byte) ids[i];
        }
        return out;
    }

    @Override
    public byte[] json() {
        return JSON.clone();
    }

    @Override
    public String sha256() {
        return SHA256;
    }

    @Override
    public boolean isBytes() {
        return true;
    }

    /** One instance per JVM, also after deserialization. */
    private Object readResolve() {
        return BYTES;
    }
}
