package diloco.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
    @Test
    void warmupThenCosineToFloor() {
        LearningRateSchedule s = new LearningRateSchedule(1.0f, 4, 14, 0.1f);
        assertEquals(0.25f, s.at(0), 1e-7f);
        assertEquals(1.0f, s.at(3), 1e-7f);
        assertEquals(1.0f, s.at(4), 1e-7f); // start of the cosine
        assertEquals(0.1f + 0.9f * 0.5f, s.at(9), 1e-6f); // halfway: cos(π/2) = 0
        assertEquals(0.1f, s.at(14), 1e-7f);
        assertEquals(0.1f, s.at(1000), 1e-7f);
    }
}
