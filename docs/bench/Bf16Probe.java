import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Can DJL's PyTorch engine compute in bfloat16 (issue 18 §1)? Makes an array of each floating type,
 * then casts an fp32 array to it, and says how far each got. docs/bench/bf16-probe.sh runs it.
 */
public class Bf16Probe {
    public static void main(String[] args) {
        System.out.println("DJL " + Engine.getDjlVersion() + ", PyTorch " + Engine.getInstance().getVersion());
        try (NDManager m = Engine.getInstance().newBaseManager()) {
            for (DataType t : new DataType[] {DataType.FLOAT16, DataType.BFLOAT16}) {
                System.out.println(t + ": zeros ..."); System.out.flush();
                NDArray z = m.zeros(new Shape(2, 2), t);
                System.out.println(t + ": zeros -> " + z.getDataType()); System.out.flush();
                NDArray c = m.randomNormal(new Shape(2, 2)).toType(t, false);
                System.out.println(t + ": cast from fp32 -> " + c.getDataType()); System.out.flush();
            }
        }
    }
}
