package diloco;

/**
 * The loop is about to run its first round (of this run: a resumed run starts after its checkpoint).
 *
 * @param state the state it starts from (the initial model measured, when it is measured)
 * @param theta θ it starts from; read it during the call, never change it
 */
public record LoopStart(LoopState state, float[] theta) {
}
