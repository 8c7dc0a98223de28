package diloco.data;

/**
 * Which documents validate and which worker trains on each: pure functions of the document id,
 * so every run over the same data makes the same split.
 */
public final class Split {
    private Split() {}

    /** Validation iff the id's hash falls below the fraction. Independent of the training seed. */
    public static boolean isValidation(String id, double valFraction) {
        return valFraction > 0 && Hashing.unit(Hashing.mix(Hashing.hash(id), 0x76616cL)) < valFraction;
    }

    /** The worker that trains on this document: a seeded hash of its id modulo k. */
    public static int workerOf(String id, long seed, int workers) {
        return (int) Long.remainderUnsigned(Hashing.mix(Hashing.hash(id), seed), workers);
    }
}
