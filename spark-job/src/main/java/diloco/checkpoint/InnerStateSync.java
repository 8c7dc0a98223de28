package diloco.checkpoint;

/** When workers persist their inner optimizer state (for executor loss). */
public enum InnerStateSync { AT_CHECKPOINT, EVERY_ROUND }
