package diloco.data;

import java.nio.charset.StandardCharsets;

/** Small, stable 64-bit hashes (identical on every JVM and platform; never {@code hashCode()}). */
public final class Hashing {
    private Hashing() {}

    /** SplitMix64 finaliser: a strong bijective mix of 64 bits. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Mixes several values in order; used to derive per-(seed, worker, step) random streams. */
    public static long mix(long... values) {
        long h = 0x9E3779B97F4A7C15L;
        for (long v : values) {
            h = mix(h ^ mix(v + 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    /** 64-bit FNV-1a of the bytes, then mixed. */
    public static long hash(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    public static long hash(String s) {
        return hash(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A uniform double in [0, 1) from a hash. */
    public static double unit(long h) {
        return (h >>> 11) * 0x1.0p-53;
    }
}
