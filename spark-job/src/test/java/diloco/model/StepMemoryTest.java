package diloco.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The estimate's terms scale as the arrays they count; its accuracy is measured in diloco.bench.MemoryBench. */
class StepMemoryTest {
    @Test
    void termsScaleWithTheirDimensions() {
        ModelConfig m = new ModelConfig(256, 64, 2, 32, 4, 0f);
        StepMemory one = StepMemory.of(m, 1, 1000);
        // θ, its gradient, AdamW's m and v: four fp32 copies
        assertEquals(16_000, one.parameterState());
        // a batch of 8 holds 8 times the arrays
        StepMemory eight = StepMemory.of(m, 8, 1000);
        assertEquals(8 * one.activations(), eight.activations());
        assertEquals(8 * one.backward(), eight.backward());
        // by hand, batch 1: B×T×d = 2,048, B×heads×T² = 16,384, B×T×vocab = 16,384 floats;
        // forward 2 × (23 × 2,048 + 3 × 16,384) + 3 × 2,048 + 2 × 16,384 = 231,424 floats
        assertEquals(4L * 231_424, one.activations());
        // backward: the larger of 3 score arrays (49,152) and 2 logit arrays (32,768)
        assertEquals(4L * 49_152, one.backward());
        assertEquals(one.parameterState() + one.activations() + one.backward(), one.total());
    }

    @Test
    void sizesReadAsPeopleWriteThem() {
        assertEquals("310 MiB", StepMemory.size(310L << 20));
        assertEquals("1.5 GiB", StepMemory.size(3L << 29));
    }
}
