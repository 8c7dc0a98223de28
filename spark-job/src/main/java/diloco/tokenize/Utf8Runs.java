package diloco.tokenize;

/**
 * Cuts bytes into runs of valid UTF-8 and single invalid bytes. Text tokenizers take strings, and a
 * string cannot hold an invalid byte: the valid runs go to the tokenizer as text, each invalid byte
 * becomes a token of its own, so no byte is lost or replaced.
 */
final class Utf8Runs {
    private Utf8Runs() {}

    /** Receives the runs in order: valid text [from, to), or one invalid byte at {@code at}. */
    interface Visitor {
        void text(int from, int to);

        void invalidByte(int at);
    }

    static void scan(byte[] b, Visitor v) {
        int start = 0;
        int i = 0;
        while (i < b.length) {
            int n = sequenceLength(b, i);
            if (n > 0) {
                i += n;
                continue;
            }
            if (start < i) {
                v.text(start, i);
            }
            v.invalidByte(i);
            i++;
            start = i;
        }
        if (start < b.length) {
            v.text(start, b.length);
        }
    }

    /** The length of the valid UTF-8 sequence at {@code i} (no overlongs, surrogates or > U+10FFFF), or 0. */
    static int sequenceLength(byte[] b, int i) {
        int c = b[i] & 0xff;
        if (c < 0x80) {
            return 1;
        }
        int n;
        int min;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
            min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            min = 0x10000;
        } else {
            return 0;
        }
        if (i + n > b.length) {
            return 0;
        }
        int cp = c & (0xFF >> (n + 1));
        for (int k = 1; k < n; k++) {
            int cont = b[i + k] & 0xff;
            if ((cont & 0xC0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (cont & 0x3F);
        }
        boolean surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        return cp < min || cp > 0x10FFFF || surrogate ? 0 : n;
    }
}
