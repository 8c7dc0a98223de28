package diloco.tokenize;

/**
 * GPT-2's printable stand-in for each byte ({@code bytes_to_unicode}): byte-level BPE works on
 * these characters, so a vocabulary entry is a string of them and any byte sequence is spelled
 * by one. The 188 printable Latin-1 bytes stand for themselves, the other 68 for U+0100 onwards,
 * in byte order.
 */
public final class ByteSymbols {
    private static final String[] SYMBOLS = new String[256];
    /** The byte a symbol character stands for, by character (-1: none); symbols are all below U+0144. */
    private static final int[] BYTE_OF = new int[0x144];

    static {
        java.util.Arrays.fill(BYTE_OF, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : next++);
            SYMBOLS[b] = String.valueOf(c);
            BYTE_OF[c] = b;
        }
    }

    private ByteSymbols() {}

    /** The symbol of byte {@code b} (0..255). */
    public static String of(int b) {
        return SYMBOLS[b & 0xff];
    }

    /** All 256 symbols, indexed by byte. */
    public static String[] all() {
        return SYMBOLS.clone();
    }

    /** The bytes in {@code bytes} spelled as symbols. */
    public static String spell(byte[] bytes, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            sb.append(SYMBOLS[bytes[i] & 0xff]);
        }
        return sb.toString();
    }

    /** The bytes a symbol string spells, or null if a character of it is no byte's symbol. */
    public static byte[] bytes(String symbols) {
        byte[] out = new byte[symbols.length()];
        for (int i = 0; i < out.length; i++) {
            char c = symbols.charAt(i);
            int b = c < BYTE_OF.length ? BYTE_OF[c] : -1;
            if (b < 0) {
                return null;
            }
            out[i] = (byte) b;
        }
        return out;
    }
}
